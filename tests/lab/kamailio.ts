// Kamailio test-lab harness: one throw-away Kamailio 5.6 registrar/proxy per call of
// startKamailio(), on free loopback ports, in its own temp folder (cfg, sqlite db, ctl socket,
// log). Tests start, stop, kill and restart it; nothing is left running or on disk afterwards.
//
// Besides registrar + proxy the lab serves BLF (dialog-info) and MWI (message-summary)
// subscriptions and the pickup codes, and acts as the voicemail system that PUBLISHes MWI
// (publishMessageSummary). startKamailio({ media: true }) adds an rtpengine that bridges
// WebRTC <-> plain RTP, plus the park slot users for the park holder (park-server.ts).
//
// Facts borrowed from /work/shared/lab-reference (LAB.md sections 3 and 6); the cfg is
// tests/lab/kamailio.cfg.template.

import { cleanUpOnExit, spawnWatchdog } from './process-hygiene';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buildRequest, SipUdpEndpoint, token } from './sip-ws-client';

export interface LabUser {
  user: string;
  password: string;
}

/** What a voicemail system reports for one mailbox (RFC 3842 Voice-Message new/old). */
export interface MessageSummary {
  newMessages: number;
  oldMessages: number;
}

export interface StartKamailioOptions {
  /** Default: 1001-1009, password pass<user>. */
  users?: LabUser[];
  /** Default 'lab.test'. */
  domain?: string;
  /**
   * Also start an rtpengine for this lab (bridges calls between a browser and a plain-RTP peer
   * such as the park holder) and add the park slot users DEFAULT_PARK_SLOTS (password
   * pass<slot>) unless `users` already has them. Default false: no media relay; calls between
   * a browser and a plain-SIP peer are then relayed with their SDP untouched.
   */
  media?: boolean;
  /**
   * Hand out GRUUs (RFC 5627) to phones that register with +sip.instance, and route in-dialog
   * requests to a GRUU through the location table. Default true. false plays a PBX without
   * GRUU: calls are then routed back by connection alias only.
   */
  gruu?: boolean;
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
  /** SIGSTOP the whole group: the server hangs with its sockets open (a dead path the OS does
   *  not notice), until thaw(). For keepalive tests. */
  freeze(): void;
  thaw(): void;
  start(): Promise<void>; // (re)start on the SAME ports, resolves when WS port accepts connections
  log(): string; // Kamailio's stderr so far (for diagnostics on failure)
  lookup(user: string): Promise<string[]>; // registered contacts of a user via kamcmd ul.lookup location s:USER (empty when none)
  /**
   * Be the voicemail system: PUBLISH "Event: message-summary" for sip:USER@DOMAIN over UDP from
   * 127.0.0.1 (Messages-Waiting: yes when newMessages > 0). The first PUBLISH for a user
   * creates the publication, later ones refresh it with SIP-If-Match (the stored SIP-ETag);
   * if Kamailio no longer knows it (412, e.g. after a restart) it is published afresh.
   * Resolves on 200; rejects on any other final reply or none within a few seconds. Every
   * message-summary subscriber of the user gets a NOTIFY with the new body.
   */
  publishMessageSummary(user: string, summary: MessageSummary): Promise<void>;
  /** rtpengine's ng control socket (udp:127.0.0.1:PORT) with { media: true }, otherwise null. */
  readonly rtpengineNg: string | null;
  /** rtpengine's output so far ('' without media). */
  rtpengineLog(): string;
  dispose(): Promise<void>; // stop + stop rtpengine + remove temp folder
}

const DEFAULT_DOMAIN = 'lab.test';
const DEFAULT_USERS: readonly LabUser[] = Array.from({ length: 9 }, (_, i) => {
  const user = String(1001 + i);
  return { user, password: `pass${user}` };
});

/** The park slots a lab with media has users for; the park holder's default slots. */
export const DEFAULT_PARK_SLOTS: readonly string[] = ['701', '702', '703', '704', '705', '706'];

const TEMPLATE_URL = new URL('./kamailio.cfg.template', import.meta.url);
const SCHEMA_DIR = '/usr/share/kamailio/db_sqlite';
// /usr/sbin is not on every (non-root) PATH.
const KAMAILIO_BIN = existsSync('/usr/sbin/kamailio') ? '/usr/sbin/kamailio' : 'kamailio';
const KAMCMD_BIN = existsSync('/usr/sbin/kamcmd') ? '/usr/sbin/kamcmd' : 'kamcmd';
// Debian's rtpengine-daemon package.
const RTPENGINE_BIN = existsSync('/usr/bin/rtpengine') ? '/usr/bin/rtpengine' : 'rtpengine';

const READY_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 3000;
const LOG_TAIL_LINES = 40;

// Conservative: these strings end up in the cfg, in SQL params and on kamcmd's command line.
const USER_RE = /^[A-Za-z0-9._~+-]{1,64}$/;
const DOMAIN_RE = /^(?=.{1,64}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

// ---------------------------------------------------------------------------------------------
// Process hygiene: Kamailio must never outlive the test process (process-hygiene.ts has the
// exit hook and the watchdog). Kamailio runs in its own process group (detached), so that
//  * its SIGTERM handling (it signals its children) can never reach vitest, and
//  * kill() can SIGKILL the whole group: SIGKILL on the main process alone leaves its ~11
//    children running, still holding the listening sockets (verified with 5.6.3).

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

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
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
  /** rtpengine's ng socket, e.g. 'udp:127.0.0.1:PORT'; without it the media bridge is compiled out. */
  rtpengineNg?: string | null;
  gruu?: boolean;
}): Promise<string> {
  const template = await readFile(TEMPLATE_URL, 'utf8');
  const ng = vars.rtpengineNg ?? null;
  const values: Record<string, string> = {
    DOMAIN: vars.domain,
    DIR: vars.dir,
    SIP_PORT: String(vars.sipPort),
    WS_PORT: String(vars.wsPort),
    // No rtpengine module at all without a daemon: with a dead ng socket every bridged INVITE
    // would log errors, and wait rtpengine_tout_ms x rtpengine_retr if something else held the port.
    RTPENGINE_DEFINE: ng ? '#!define WITH_RTPENGINE' : '# (no rtpengine in this lab)',
    RTPENGINE_NG: ng ?? '',
    GRUU_ENABLED: vars.gruu === false ? '0' : '1',
  };
  return template.replace(/@@([A-Z_]+)@@/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`kamailio.cfg.template: unknown placeholder @@${name}@@`);
    return v;
  });
}

/**
 * The lab's two sqlite files. Kamailio 5.6's db_sqlite sets no busy timeout, so a query that
 * meets another process's write lock fails at once ("database is locked"). The presence modules
 * still write to their file now and then (its tables stay empty, but the locks showed in the
 * log); when credentials shared that file, a phone's REGISTER that came in during such a write
 * failed auth_check and was answered 401 as if the password were wrong (seen as a red
 * 認証に失敗しました lamp under load). So the credentials live in a file nothing writes, and the
 * presence file uses WAL, so its own readers never wait for its writer.
 */
export const CREDENTIALS_DB = 'credentials.sqlite';
export const PRESENCE_DB = 'presence.sqlite';

function createLabDatabases(dir: string, users: readonly LabUser[], domain: string): void {
  const credentials = new Database(path.join(dir, CREDENTIALS_DB));
  try {
    // `version` (standard-create.sql) is where auth_db checks its table's version.
    credentials.exec(readFileSync(path.join(SCHEMA_DIR, 'standard-create.sql'), 'utf8'));
    credentials.exec(readFileSync(path.join(SCHEMA_DIR, 'auth_db-create.sql'), 'utf8'));
    const insert = credentials.prepare(
      'INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, ?, ?, ?)',
    );
    credentials.transaction(() => {
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
    credentials.close();
  }
  const presence = new Database(path.join(dir, PRESENCE_DB));
  try {
    // WAL is a property of the file: Kamailio's connections open it in WAL mode too.
    presence.pragma('journal_mode = WAL');
    presence.exec(readFileSync(path.join(SCHEMA_DIR, 'standard-create.sql'), 'utf8'));
    // pua checks the version of its table at startup even though it keeps its state in
    // memory; presence-create.sql has pua, presentity, active_watchers, watchers and xcap.
    presence.exec(readFileSync(path.join(SCHEMA_DIR, 'presence-create.sql'), 'utf8'));
  } finally {
    presence.close();
  }
}

// ---------------------------------------------------------------------------------------------
// rtpengine: the lab's media relay (startKamailio({ media: true })), userspace only
// (--table=-1: no kernel module, no iptables), on free loopback ports, logging into the lab's
// temp folder. It lives as long as the lab: stop()/kill()/start() act on Kamailio only, so a
// restarted Kamailio finds it again. Same process hygiene as Kamailio: own process group,
// SIGKILLed on process exit and by a watchdog of its own if the test process dies.

/** An ng "ping" (bencode); rtpengine answers "<cookie> d6:result4:ponge". */
function rtpengineAnswersPing(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const cookie = token(4);
    let finished = false;
    const timer = setTimeout(() => done(false), timeoutMs);
    const done = (ok: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.close();
      resolve(ok);
    };
    sock.once('error', () => done(false)); // ICMP port unreachable: not listening (yet)
    sock.on('message', (m) => {
      const text = m.toString('latin1');
      if (text.startsWith(`${cookie} `) && text.includes('4:pong')) done(true);
    });
    sock.connect(port, '127.0.0.1', () => sock.send(`${cookie} d7:command4:pinge`));
  });
}

class MediaRelay {
  /** Unregisters from the exit-time cleanup (process-hygiene.ts). */
  private unregisterExit: (() => void) | undefined;
  readonly ng: string;
  private readonly logPath: string;
  private readonly proc: ChildProcess;
  private readonly exited: Promise<void>;
  private running = true;
  private watchdog: ChildProcess | null;

  private constructor(proc: ChildProcess, ngPort: number, logPath: string) {
    this.proc = proc;
    this.ng = `udp:127.0.0.1:${ngPort}`;
    this.logPath = logPath;
    this.exited = new Promise<void>((resolve) => {
      const onGone = () => {
        this.running = false;
        if (proc.pid !== undefined) killGroup(proc.pid, 'SIGKILL');
        resolve();
      };
      proc.once('exit', onGone);
      proc.once('error', (err) => {
        writeSafe(logPath, `spawn ${RTPENGINE_BIN} failed: ${err.message}\n`);
        onGone();
      });
    });
    this.watchdog = spawnWatchdog('', 'tsunagu-lab-watchdog');
    if (proc.pid !== undefined) this.watchdog.stdin?.write(`${proc.pid}\n`);
    this.unregisterExit ??= cleanUpOnExit(this);
  }

  static async start(dir: string): Promise<MediaRelay> {
    const logPath = path.join(dir, 'rtpengine.log');
    for (let attempt = 1; ; attempt++) {
      const ngPort = await freeUdpPort();
      // A random 200-port RTP window below Linux's ephemeral range (32768+, where Kamailio's
      // and Chromium's own sockets come from), away from the Debian service's 30000-40000.
      // Parallel labs may overlap: rtpengine skips ports it cannot bind.
      const portMin = 20000 + 200 * Math.floor(Math.random() * 50);
      const fd = openSync(logPath, 'a');
      let proc: ChildProcess;
      try {
        writeSync(fd, `===== tsunagu lab: rtpengine ng=${ngPort} rtp=${portMin}-${portMin + 199} ${new Date().toISOString()} =====\n`);
        proc = spawn(
          RTPENGINE_BIN,
          [
            '--config-file=none', // never read /etc/rtpengine/rtpengine.conf
            '--foreground',
            '--log-stderr',
            '--table=-1', // userspace forwarding: no kernel module, no iptables rules
            '--interface=127.0.0.1',
            `--listen-ng=127.0.0.1:${ngPort}`,
            `--port-min=${portMin}`,
            `--port-max=${portMin + 199}`,
            '--num-threads=1',
            '--delete-delay=0', // a deleted call is gone at once (no 30 s linger between tests)
            '--log-level=6',
            // With DTLS=passive in the cfg's offer flags: rtpengine never starts DTLS as client
            // (LAB.md section 6: otherwise a race leaves both sides as DTLS clients).
            '--dtls-passive',
          ],
          { cwd: dir, detached: true, stdio: ['ignore', fd, fd] },
        );
      } finally {
        closeSync(fd);
      }
      const relay = new MediaRelay(proc, ngPort, logPath);
      const deadline = Date.now() + READY_TIMEOUT_MS;
      let ready = false;
      while (!ready && relay.running && Date.now() < deadline) {
        ready = await rtpengineAnswersPing(ngPort, 200);
        if (!ready) await sleep(20);
      }
      if (ready && relay.running) return relay;
      const why = relay.running ? `no answer to ng ping within ${READY_TIMEOUT_MS} ms` : 'rtpengine exited';
      await relay.stop();
      // The ng port may have been taken between our probe and rtpengine's bind.
      if (attempt >= 3 || !/Address already in use/i.test(relay.log())) {
        throw new Error(`rtpengine did not become ready: ${why}\n--- log tail (${logPath}) ---\n${tail(relay.log())}`);
      }
    }
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    const pid = this.proc.pid;
    if (this.running && pid !== undefined) {
      try {
        this.proc.kill('SIGTERM');
      } catch {
        // already gone
      }
      const timedOut = await Promise.race([this.exited.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
      if (timedOut) killGroup(pid, 'SIGKILL');
      await this.exited;
      const deadline = Date.now() + 1000;
      while (groupHasLiveMembers(pid) && Date.now() < deadline) await sleep(5);
    }
    const stdin = this.watchdog?.stdin;
    if (stdin && !stdin.destroyed) stdin.end('\n'); // nothing left to kill
    this.watchdog = null;
    this.unregisterExit?.();
    this.unregisterExit = undefined;
  }

  /** Synchronous, for process 'exit'. */
  emergencyCleanup(): void {
    if (this.running && this.proc.pid !== undefined) killGroup(this.proc.pid, 'SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------

/** One mailbox of the lab's voicemail system: how it PUBLISHes and what it published last. */
interface Mailbox {
  callId: string;
  cseq: number;
  /** SIP-ETag of our publication, for SIP-If-Match refreshes. */
  etag: string | null;
  /** The latest publishMessageSummary() for this mailbox (they run one after another). */
  last: Promise<void>;
}

class LabImpl implements KamailioLab {
  /** Unregisters from the exit-time cleanup (process-hygiene.ts). */
  private unregisterExit: (() => void) | undefined;
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
  private readonly media: MediaRelay | null;
  // The voicemail system: its UDP endpoint (opened on first use) and its mailboxes.
  private voicemail: Promise<SipUdpEndpoint> | null = null;
  private readonly mailboxes = new Map<string, Mailbox>();

  // No TS parameter properties anywhere in tests/lab: keeps the files runnable with Node's
  // built-in type stripping (erasable syntax only).
  constructor(
    domain: string,
    users: readonly LabUser[],
    dir: string,
    sipPort: number,
    wsPort: number,
    media: MediaRelay | null,
  ) {
    this.domain = domain;
    this.users = users;
    this.dir = dir;
    this.sipPort = sipPort;
    this.wsPort = wsPort;
    this.wsUrl = `ws://127.0.0.1:${wsPort}`;
    this.media = media;
  }

  get rtpengineNg(): string | null {
    return this.media?.ng ?? null;
  }

  rtpengineLog(): string {
    return this.media?.log() ?? '';
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
    this.unregisterExit ??= cleanUpOnExit(this);

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

  freeze(): void {
    if (this.proc?.pid !== undefined) killGroup(this.proc.pid, 'SIGSTOP');
  }

  thaw(): void {
    if (this.proc?.pid !== undefined) killGroup(this.proc.pid, 'SIGCONT');
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

  publishMessageSummary(user: string, summary: MessageSummary): Promise<void> {
    if (!USER_RE.test(user)) return Promise.reject(new Error(`publishMessageSummary: invalid user ${JSON.stringify(user)}`));
    const { newMessages, oldMessages } = summary;
    if (![newMessages, oldMessages].every((n) => Number.isInteger(n) && n >= 0)) {
      return Promise.reject(new Error(`publishMessageSummary: counts must be integers >= 0, got ${JSON.stringify(summary)}`));
    }
    let box = this.mailboxes.get(user);
    if (!box) {
      box = { callId: `vm-${user}-${token(6)}`, cseq: 0, etag: null, last: Promise.resolve() };
      this.mailboxes.set(user, box);
    }
    // One PUBLISH at a time per mailbox: each refresh needs the ETag the previous one got.
    const mailbox = box;
    const run = mailbox.last.catch(() => {}).then(() => this.publishMailbox(user, mailbox, newMessages, oldMessages));
    mailbox.last = run;
    return run;
  }

  private async publishMailbox(user: string, box: Mailbox, newMessages: number, oldMessages: number): Promise<void> {
    if (this.disposed || !this.proc) throw new Error('publishMessageSummary: Kamailio is not running');
    this.voicemail ??= SipUdpEndpoint.open();
    const endpoint = await this.voicemail;
    const aor = `sip:${user}@${this.domain}`;
    // RFC 3842 section 5.2 body; the account is the mailbox itself.
    const body =
      `Messages-Waiting: ${newMessages > 0 ? 'yes' : 'no'}\r\n` +
      `Message-Account: ${aor}\r\n` +
      `Voice-Message: ${newMessages}/${oldMessages} (0/0)\r\n`;
    const publish = () =>
      endpoint.request(
        buildRequest({
          method: 'PUBLISH',
          uri: aor,
          via: endpoint.via(),
          from: `<sip:voicemail@${this.domain}>;tag=${token(4)}`,
          to: `<${aor}>`,
          callId: box.callId,
          cseq: ++box.cseq,
          headers: [
            'Event: message-summary',
            'Expires: 3600',
            ...(box.etag ? [`SIP-If-Match: ${box.etag}`] : []),
            'User-Agent: tsunagu-lab-voicemail',
          ],
          body,
          contentType: 'application/simple-message-summary',
        }),
        { host: '127.0.0.1', port: this.sipPort },
      );
    let reply = await publish();
    if (reply.status === 412 && box.etag) {
      // 412 Conditional Request Failed: presence no longer has our publication (it keeps
      // them in memory, so e.g. a restart of Kamailio forgot it). Publish it afresh.
      box.etag = null;
      reply = await publish();
    }
    if (reply.status !== 200) throw new Error(`PUBLISH message-summary for ${aor}: ${reply.startLine}`);
    box.etag = reply.header('sip-etag') ?? null;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.stop();
    } finally {
      this.finalLog = this.log();
      this.closeWatchdog();
      this.unregisterExit?.();
      this.unregisterExit = undefined;
      const voicemail = this.voicemail;
      this.voicemail = null;
      if (voicemail) (await voicemail.catch(() => null))?.close();
      await this.media?.stop();
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  /** Like dispose() but keeps the folder (startKamailio's port retry). */
  async abandon(): Promise<void> {
    this.disposed = true;
    await this.stop();
    this.closeWatchdog(true);
    this.unregisterExit?.();
    this.unregisterExit = undefined;
  }

  // --- watchdog -----------------------------------------------------------------------------

  startWatchdog(): void {
    this.watchdog = spawnWatchdog(this.dir, 'tsunagu-lab-watchdog');
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
    this.media?.emergencyCleanup();
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
export async function startKamailio(opts: StartKamailioOptions = {}): Promise<KamailioLab> {
  const domain = opts.domain ?? DEFAULT_DOMAIN;
  if (!DOMAIN_RE.test(domain) || /^[\d.]+$/.test(domain)) {
    // An IP "domain" would become alias=IP, which matches every port (LAB.md section 3 item 6).
    throw new Error(`startKamailio: domain must be a DNS-style name, got ${JSON.stringify(domain)}`);
  }
  const users = (opts.users ?? DEFAULT_USERS).map((u) => ({ ...u }));
  if (opts.media) {
    for (const slot of DEFAULT_PARK_SLOTS) {
      if (!users.some((u) => u.user === slot)) users.push({ user: slot, password: `pass${slot}` });
    }
  }
  const seen = new Set<string>();
  for (const { user } of users) {
    if (!USER_RE.test(user)) throw new Error(`startKamailio: invalid user name ${JSON.stringify(user)}`);
    if (seen.has(user)) throw new Error(`startKamailio: duplicate user ${user}`);
    seen.add(user);
  }

  // Short prefix: the ctl unix socket path must stay below 108 bytes.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsunagu-kam-'));
  let media: MediaRelay | null = null;
  try {
    createLabDatabases(dir, users, domain);
    // rtpengine first: Kamailio's rtpengine module pings it at startup and would otherwise
    // mark it disabled (for rtpengine_disable_tout, 60 s) before the first call.
    if (opts.media) media = await MediaRelay.start(dir);
    // Free ports can be taken by someone else between our probe and Kamailio's bind; then
    // retry with new ones (only here - a restart must keep its ports).
    for (let attempt = 1; ; attempt++) {
      const { sipPort, wsPort } = await allocatePorts();
      await writeFile(
        path.join(dir, 'kamailio.cfg'),
        await renderKamailioCfg({ domain, dir, sipPort, wsPort, rtpengineNg: media?.ng ?? null, gruu: opts.gruu ?? true }),
      );
      const lab = new LabImpl(domain, Object.freeze(users), dir, sipPort, wsPort, media);
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
    await media?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
