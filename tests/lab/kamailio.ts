// Kamailio test-lab harness: one throw-away Kamailio 5.6 registrar/proxy per call of
// startKamailio(), on free loopback ports, in its own temp folder (cfg, sqlite db, ctl socket,
// log). Tests start, stop, kill and restart it; nothing is left running or on disk afterwards.
//
// Facts borrowed from /work/shared/lab-reference (LAB.md section 3); the cfg is
// tests/lab/kamailio.cfg.template.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface LabUser {
  user: string;
  password: string;
}

export interface KamailioLab {
  readonly domain: string; // default 'lab.test'
  readonly wsUrl: string; // e.g. 'ws://127.0.0.1:41234'
  readonly sipPort: number; // UDP/TCP port for sipp/baresip
  readonly users: readonly LabUser[];
  readonly dir: string; // temp folder with cfg, db, logs, ctl socket
  isRunning(): boolean;
  stop(): Promise<void>; // SIGTERM, wait for exit (SIGKILL after a few seconds)
  kill(): Promise<void>; // SIGKILL, for fault tests
  start(): Promise<void>; // (re)start on the SAME ports, resolves when WS port accepts connections
  log(): string; // Kamailio's stderr so far (for diagnostics on failure)
  lookup(user: string): Promise<string[]>; // registered contacts of a user via kamcmd ul.lookup location s:USER (empty when none)
  dispose(): Promise<void>; // stop + remove temp folder
}

const DEFAULT_DOMAIN = 'lab.test';
const DEFAULT_USERS: readonly LabUser[] = Array.from({ length: 9 }, (_, i) => {
  const user = String(1001 + i);
  return { user, password: `pass${user}` };
});

const TEMPLATE_URL = new URL('./kamailio.cfg.template', import.meta.url);
const SCHEMA_DIR = '/usr/share/kamailio/db_sqlite';
// /usr/sbin is not on every (non-root) PATH.
const KAMAILIO_BIN = existsSync('/usr/sbin/kamailio') ? '/usr/sbin/kamailio' : 'kamailio';
const KAMCMD_BIN = existsSync('/usr/sbin/kamcmd') ? '/usr/sbin/kamcmd' : 'kamcmd';

const READY_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 3000;
const LOG_TAIL_LINES = 40;

// Conservative: these strings end up in the cfg, in SQL params and on kamcmd's command line.
const USER_RE = /^[A-Za-z0-9._~+-]{1,64}$/;
const DOMAIN_RE = /^(?=.{1,64}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

// ---------------------------------------------------------------------------------------------
// Process hygiene: Kamailio must never outlive the test process.
//
// Kamailio runs in its own process group (detached), so that
//  * its SIGTERM handling (it signals its children) can never reach vitest, and
//  * kill() can SIGKILL the whole group: SIGKILL on the main process alone leaves its ~11
//    children running, still holding the listening sockets (verified with 5.6.3).
// Two safety nets for the test process going away:
//  * process 'exit' -> synchronous SIGKILL of every live group (normal exit, uncaught error);
//  * a per-lab watchdog `sh` holding a pipe from us: when this process dies for any reason
//    (even SIGKILL) the pipe hits EOF and the watchdog SIGKILLs the last group it was told
//    and removes the temp folder.

const liveLabs = new Set<LabImpl>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lab of liveLabs) lab.emergencyCleanup();
  });
}

// $1 = the lab's temp folder. Input lines: a pgid (the running Kamailio), an empty line (none
// running) or "keep" (don't delete the folder). On EOF: SIGKILL the last group, remove the folder.
const WATCHDOG_SCRIPT = [
  'dir=$1; pg=; rmdir=1',
  'while IFS= read -r l; do',
  '  case $l in keep) rmdir=0 ;; *) pg=$l ;; esac',
  'done',
  '[ -n "$pg" ] && kill -s KILL -- "-$pg" 2>/dev/null',
  '[ "$rmdir" = 1 ] && [ -n "$dir" ] && rm -rf -- "$dir"',
  'exit 0',
].join('\n');

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Does the process group still have a member that is not a zombie? kill(-pgid, 0) is not
 * enough: SIGKILLed workers are re-parented to PID 1 and stay zombies (still group members)
 * until it reaps them, which can take a while in containers/VMs. Zombies hold no sockets.
 */
function groupHasLiveMembers(pgid: number): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return false;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..." - comm may contain spaces/parens, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function tail(text: string, lines = LOG_TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port from the OS'))));
    });
  });
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
  });
}

/** Two distinct loopback ports: SIP (free on UDP *and* TCP) and WS (TCP). */
async function allocatePorts(): Promise<{ sipPort: number; wsPort: number }> {
  for (let i = 0; i < 20; i++) {
    const sipPort = await freeTcpPort();
    if (!(await udpPortFree(sipPort))) continue;
    const wsPort = await freeTcpPort();
    if (wsPort !== sipPort) return { sipPort, wsPort };
  }
  throw new Error('could not find free loopback ports');
}

function tcpConnects(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * UDP has no "connect" to poll, so send a SIP OPTIONS to the server itself; the cfg answers
 * "200 Keepalive" from REQINIT. A reply also proves the UDP workers run the routing script.
 */
function udpOptionsPing(port: number, domain: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const callId = `probe-${randomBytes(6).toString('hex')}`;
    let finished = false;
    const done = (ok: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('error', () => done(false));
    sock.on('message', (msg) => {
      const text = msg.toString('utf8');
      if (text.startsWith('SIP/2.0 200') && text.includes(callId)) done(true);
    });
    sock.bind(0, '127.0.0.1', () => {
      const local = sock.address().port;
      const req =
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport\r\n` +
        'Max-Forwards: 70\r\n' +
        `From: <sip:probe@${domain}>;tag=${randomBytes(4).toString('hex')}\r\n` +
        `To: <sip:127.0.0.1:${port}>\r\n` +
        `Call-ID: ${callId}\r\n` +
        'CSeq: 1 OPTIONS\r\n' +
        'Content-Length: 0\r\n\r\n';
      sock.send(req, port, '127.0.0.1', (err) => {
        if (err) done(false);
      });
    });
  });
}

/** Fill the cfg template; every placeholder must be known and replaced. */
export async function renderKamailioCfg(vars: {
  domain: string;
  dir: string;
  sipPort: number;
  wsPort: number;
}): Promise<string> {
  const template = await readFile(TEMPLATE_URL, 'utf8');
  const values: Record<string, string> = {
    DOMAIN: vars.domain,
    DIR: vars.dir,
    SIP_PORT: String(vars.sipPort),
    WS_PORT: String(vars.wsPort),
  };
  return template.replace(/@@([A-Z_]+)@@/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`kamailio.cfg.template: unknown placeholder @@${name}@@`);
    return v;
  });
}

function createSubscriberDb(file: string, users: readonly LabUser[], domain: string): void {
  const db = new Database(file);
  try {
    db.exec(readFileSync(path.join(SCHEMA_DIR, 'standard-create.sql'), 'utf8'));
    db.exec(readFileSync(path.join(SCHEMA_DIR, 'auth_db-create.sql'), 'utf8'));
    const insert = db.prepare(
      'INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (const { user, password } of users) {
        // calculate_ha1=1 makes Kamailio use `password`; ha1/ha1b are filled for completeness
        // (e.g. a later test flipping calculate_ha1 off).
        insert.run(
          user,
          domain,
          password,
          md5(`${user}:${domain}:${password}`),
          md5(`${user}@${domain}:${domain}:${password}`),
        );
      }
    })();
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------

class LabImpl implements KamailioLab {
  readonly domain: string;
  readonly users: readonly LabUser[];
  readonly dir: string;
  readonly sipPort: number;
  readonly wsPort: number;
  readonly wsUrl: string;
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private watchdog: ChildProcess | null = null;
  private disposed = false;
  private starts = 0;
  private finalLog: string | null = null;
  private starting: Promise<void> | null = null;

  // No TS parameter properties anywhere in tests/lab: keeps the files runnable with Node's
  // built-in type stripping (erasable syntax only).
  constructor(domain: string, users: readonly LabUser[], dir: string, sipPort: number, wsPort: number) {
    this.domain = domain;
    this.users = users;
    this.dir = dir;
    this.sipPort = sipPort;
    this.wsPort = wsPort;
    this.wsUrl = `ws://127.0.0.1:${wsPort}`;
  }

  private get cfgPath() {
    return path.join(this.dir, 'kamailio.cfg');
  }
  private get logPath() {
    return path.join(this.dir, 'kamailio.log');
  }
  get ctlSocket() {
    return path.join(this.dir, 'kamailio_ctl');
  }

  isRunning(): boolean {
    return this.proc !== null;
  }

  log(): string {
    if (this.finalLog !== null) return this.finalLog;
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  start(): Promise<void> {
    if (this.disposed) return Promise.reject(new Error('KamailioLab: start() after dispose()'));
    // Concurrent callers share one start; once ready (or failed) the next start() re-checks.
    if (this.starting) return this.starting;
    if (this.proc) return Promise.resolve();
    this.starting = this.doStart().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.starts++;
    installExitHook();
    liveLabs.add(this);

    // Kamailio's stdout/stderr go straight to a file (also readable after a crash of the test
    // process); log() reads it back. A marker separates the runs of one lab.
    const fd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      writeSync(
        fd,
        `===== tsunagu lab: start #${this.starts} ${new Date().toISOString()} ` +
          `ws=${this.wsPort} sip=${this.sipPort} =====\n`,
      );
      child = spawn(
        KAMAILIO_BIN,
        // -DD: main process stays in the foreground (we track its pid) but still forks workers.
        // -E: log to stderr. -Y: runtime dir = temp folder. -m/-M: 64 MiB shm, 8 MiB pkg.
        ['-f', this.cfgPath, '-DD', '-E', '-Y', this.dir, '-m', '64', '-M', '8'],
        { cwd: this.dir, detached: true, stdio: ['ignore', fd, fd] },
      );
    } finally {
      closeSync(fd);
    }
    this.proc = child;
    this.exited = new Promise<void>((resolve) => {
      const onGone = () => {
        // Whatever the reason (stop, kill, crash): no worker may survive its main process.
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        if (this.proc === child) {
          this.proc = null;
          this.tellWatchdog('');
        }
        resolve();
      };
      child.once('exit', onGone);
      child.once('error', (err) => {
        writeSafe(this.logPath, `spawn ${KAMAILIO_BIN} failed: ${err.message}\n`);
        onGone();
      });
    });
    if (child.pid !== undefined) this.tellWatchdog(String(child.pid));

    try {
      await this.waitReady(child);
    } catch (err) {
      await this.kill();
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`Kamailio did not become ready: ${msg}\n--- log tail (${this.logPath}) ---\n${tail(this.log())}`, {
        cause: err,
      });
    }
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let wsOk = false;
    for (;;) {
      if (this.proc !== child) {
        throw new Error(`kamailio exited (code ${child.exitCode}, signal ${child.signalCode})`);
      }
      if (!wsOk) wsOk = await tcpConnects(this.wsPort, 200);
      if (wsOk && (await udpOptionsPing(this.sipPort, this.domain, 200))) return;
      if (Date.now() > deadline) {
        throw new Error(
          `timeout after ${READY_TIMEOUT_MS} ms (ws ${this.wsPort} ${wsOk ? 'accepts' : 'refuses'}, ` +
            `no OPTIONS reply on udp ${this.sipPort})`,
        );
      }
      await sleep(wsOk ? 5 : 10);
    }
  }

  async stop(): Promise<void> {
    const child = this.proc;
    if (!child || child.pid === undefined) return;
    // SIGTERM to the main process only: it terminates its workers itself.
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      sleep(STOP_GRACE_MS).then(() => true),
    ]);
    if (timedOut) killGroup(child.pid, 'SIGKILL');
    await this.exited;
    await this.waitGroupGone(child.pid);
  }

  async kill(): Promise<void> {
    const child = this.proc;
    if (!child || child.pid === undefined) return;
    killGroup(child.pid, 'SIGKILL');
    await this.exited;
    await this.waitGroupGone(child.pid);
  }

  /** Workers die (and release their sockets) a moment after the main process; bounded wait. */
  private async waitGroupGone(pgid: number): Promise<void> {
    const deadline = Date.now() + 1000;
    while (groupHasLiveMembers(pgid) && Date.now() < deadline) await sleep(5);
  }

  async lookup(user: string): Promise<string[]> {
    if (!USER_RE.test(user)) throw new Error(`lookup: invalid user ${JSON.stringify(user)}`);
    // "s:" forces a string argument; kamcmd would send 1001 as an integer and ul.lookup rejects it.
    const args = ['-s', `unix:${this.ctlSocket}`, 'ul.lookup', 'location', `s:${user}`];
    const out = await new Promise<string>((resolve, reject) => {
      execFile(KAMCMD_BIN, args, { timeout: 5000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`kamcmd ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
        else resolve(`${stdout}${stderr}`);
      });
    });
    // kamcmd exits 0 even for RPC errors and prints "error: <code> - <text>".
    // No such AOR ("AOR not found") or an AOR whose contacts expired/were removed
    // ("AOR has no contacts") both mean: not registered.
    if (/AOR not found|AOR has no contacts/i.test(out)) return [];
    if (/^error:/m.test(out)) throw new Error(`kamcmd ul.lookup ${user}: ${out.trim()}`);
    return [...out.matchAll(/^\s*Address:\s*(\S+)\s*$/gm)].map((m) => m[1] as string);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.stop();
    } finally {
      this.finalLog = this.log();
      this.closeWatchdog();
      liveLabs.delete(this);
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  /** Like dispose() but keeps the folder (startKamailio's port retry). */
  async abandon(): Promise<void> {
    this.disposed = true;
    await this.stop();
    this.closeWatchdog(true);
    liveLabs.delete(this);
  }

  // --- watchdog -----------------------------------------------------------------------------

  startWatchdog(): void {
    const wd = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'tsunagu-lab-watchdog', this.dir], {
      detached: true, // not in our process group: survives a group-wide signal to the test run
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    wd.on('error', () => {});
    wd.stdin?.on('error', () => {}); // EPIPE if it died: nothing we can do
    // Neither the process nor the pipe may keep the test process alive.
    wd.unref();
    (wd.stdin as unknown as net.Socket | null)?.unref();
    this.watchdog = wd;
  }

  private tellWatchdog(pgid: string): void {
    const stdin = this.watchdog?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(`${pgid}\n`);
  }

  private closeWatchdog(keepDir = false): void {
    const stdin = this.watchdog?.stdin;
    // Empty pgid: nothing left to kill; the watchdog exits on EOF.
    if (stdin && !stdin.destroyed) stdin.end(keepDir ? '\nkeep\n' : '\n');
    this.watchdog = null;
  }

  /** Synchronous, for process 'exit'. */
  emergencyCleanup(): void {
    const pid = this.proc?.pid;
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

function writeSafe(file: string, text: string): void {
  try {
    const fd = openSync(file, 'a');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  } catch {
    // diagnostics only
  }
}

/**
 * Start a fresh Kamailio on free loopback ports in a new temp folder. Resolves once the WS
 * port accepts connections and the UDP port answers OPTIONS; rejects with the log tail.
 */
export async function startKamailio(opts: { users?: LabUser[]; domain?: string } = {}): Promise<KamailioLab> {
  const domain = opts.domain ?? DEFAULT_DOMAIN;
  if (!DOMAIN_RE.test(domain) || /^[\d.]+$/.test(domain)) {
    // An IP "domain" would become alias=IP, which matches every port (LAB.md section 3 item 6).
    throw new Error(`startKamailio: domain must be a DNS-style name, got ${JSON.stringify(domain)}`);
  }
  const users = (opts.users ?? DEFAULT_USERS).map((u) => ({ ...u }));
  const seen = new Set<string>();
  for (const { user } of users) {
    if (!USER_RE.test(user)) throw new Error(`startKamailio: invalid user name ${JSON.stringify(user)}`);
    if (seen.has(user)) throw new Error(`startKamailio: duplicate user ${user}`);
    seen.add(user);
  }

  // Short prefix: the ctl unix socket path must stay below 108 bytes.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsunagu-kam-'));
  try {
    createSubscriberDb(path.join(dir, 'kamailio.sqlite'), users, domain);
    // Free ports can be taken by someone else between our probe and Kamailio's bind; then
    // retry with new ones (only here - a restart must keep its ports).
    for (let attempt = 1; ; attempt++) {
      const { sipPort, wsPort } = await allocatePorts();
      await writeFile(path.join(dir, 'kamailio.cfg'), await renderKamailioCfg({ domain, dir, sipPort, wsPort }));
      const lab = new LabImpl(domain, Object.freeze(users), dir, sipPort, wsPort);
      lab.startWatchdog();
      try {
        await lab.start();
        return lab;
      } catch (err) {
        const bindError = /Address already in use|bind.*failed/i.test(lab.log());
        // start() already killed it; keep the folder (and the log of the failed run) for the
        // next attempt.
        await lab.abandon();
        if (!bindError || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
