// Radicale test-lab harness: one throw-away Radicale 3.1 CardDAV server per call of
// startRadicale(), on a free loopback port, in its own temp folder (config, htpasswd file,
// storage, log, and with { tls: true } a fresh self-signed certificate). Every user gets an
// address book (extended MKCOL, RFC 5689) at /<user>/<addressBook>/. dispose() kills the server
// and removes the folder; nothing is left running or on disk afterwards.
//
// Facts borrowed from /work/shared/lab-reference (LAB.md section 7), and found here:
//  * Radicale answers HTTP/1.0 and closes every connection. Node's fetch (undici 7.x, bundled
//    and npm) crashes the process with an uncatchable `assert(!this.paused)` when such a
//    response is large (a 5,000-card sync REPORT): nodejs/undici#5360. So this harness, like
//    the product's CardDAV client, talks plain node:http / node:https.
//  * Every write fsyncs twice per card (Radicale's `_filesystem_fsync` cannot be turned off from
//    a config file). On this machine's disk a 5,000-card upload took 56 s; on tmpfs 9 s. The
//    temp folder therefore lives in /dev/shm when there is one.
//  * One PUT costs Radicale ~25 ms, so 5,000 single PUTs would take minutes: putMany() uploads
//    the whole address book in one PUT instead (Radicale names each card <UID>.vcf, the same
//    href putCard() uses).
//  * Passwords are stored `plain`: bcrypt (python3-bcrypt + python3-passlib) would cost a
//    bcrypt verification on every request, and Radicale has no auth cache.
//
// Radicale runs as `/usr/bin/python3 -m radicale` (the `python3` on PATH may be another
// interpreter without the radicale module), in its own process group, SIGKILLed on process
// exit and by a watchdog shell if the test process dies (the same scheme as kamailio.ts).

import { cleanUpOnExit, spawnWatchdog } from './process-hygiene';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, accessSync, constants as fsConstants } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RadicaleUser {
  user: string;
  password: string;
}

export interface StartRadicaleOptions {
  /** Default: alice/alicepass and bob/bobpass. */
  users?: RadicaleUser[];
  /** Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (needs `openssl`). Default false. */
  tls?: boolean;
  /** The address book created for every user. Default 'contacts'. */
  addressBook?: string;
}

export interface LabCard {
  uid: string;
  vcard: string;
}

export interface LabResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RadicaleLab {
  /** e.g. 'http://127.0.0.1:41234' (https:// with { tls: true }). */
  readonly baseUrl: string;
  /** '127.0.0.1:PORT': what a user types as the server. */
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  /** The server's self-signed certificate (PEM) with { tls: true }, otherwise null. */
  readonly caCertPem: string | null;
  /** Its subject CN, for asserting error messages. */
  readonly certificateCommonName: string | null;
  readonly users: readonly RadicaleUser[];
  readonly addressBook: string;
  readonly dir: string;
  /** '/alice/contacts/' */
  addressBookPath(user: string): string;
  /** '/alice/contacts/<uid>.vcf' */
  cardPath(user: string, uid: string): string;
  /** PUT one card as <uid>.vcf (create or replace); resolves with the new ETag. */
  putCard(user: string, uid: string, vcard: string): Promise<string>;
  /** DELETE <uid>.vcf; rejects unless the server answers 200/204. */
  deleteCard(user: string, uid: string): Promise<void>;
  /**
   * Adds (or replaces, by UID) many cards in ONE upload of the whole address book: the cards
   * already there are read back and uploaded with the new ones, and the display name is set
   * again. ~9 s for 5,000 cards on this machine. Radicale treats the result as a new
   * collection: sync tokens issued before are invalid afterwards (403 valid-sync-token), so use
   * it to seed a book before a client syncs (or to test the full re-sync).
   */
  putMany(user: string, cards: readonly LabCard[]): Promise<void>;
  /** Any request as `user` (Basic auth), path relative to the server. */
  request(user: string, method: string, urlPath: string, body?: string, headers?: Record<string, string>): Promise<LabResponse>;
  isRunning(): boolean;
  /** Radicale's output so far (for diagnostics on failure). */
  log(): string;
  /** Kill the server and remove the temp folder. Safe to call twice. */
  dispose(): Promise<void>;
}

const DEFAULT_USERS: readonly RadicaleUser[] = [
  { user: 'alice', password: 'alicepass' },
  { user: 'bob', password: 'bobpass' },
];

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const OPENSSL = existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3000;
const REQUEST_TIMEOUT_MS = 120_000;
const LOG_TAIL_LINES = 40;
const CERT_CN = 'Tsunagu Lab Radicale';

// Conservative: these end up in the htpasswd file and in URLs.
const USER_RE = /^[A-Za-z0-9._-]{1,64}$/;
// Radicale names an uploaded card <UID>.vcf only if the UID is a safe file name.
const UID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;
const PASSWORD_RE = /^[\x21-\x7e]{1,128}$/;

// ---------------------------------------------------------------------------------------------
// Process hygiene: Radicale runs in its own process group; process-hygiene.ts has the exit hook
// and the watchdog that make sure it never outlives the test process.


function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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

/** tmpfs when available: Radicale fsyncs every card (see the header). */
function tempRoot(): string {
  try {
    accessSync('/dev/shm', fsConstants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

/** Splits a text of concatenated vCards into [uid, card] (cards without a UID are kept under ''). */
function splitByUid(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const match of text.matchAll(/BEGIN:VCARD\r?\n[\s\S]*?END:VCARD\r?\n?/gi)) {
    const card = match[0].endsWith('\n') ? match[0] : `${match[0]}\r\n`;
    const uid = /^UID(?:;[^:\r\n]*)?:(.*?)\r?$/im.exec(card)?.[1]?.trim() ?? '';
    out.push([uid, card]);
  }
  return out;
}

function radicaleConfig(vars: { dir: string; port: number; tls: { cert: string; key: string } | null }): string {
  return [
    '# Generated by tests/lab/radicale.ts for one test run.',
    '[server]',
    `hosts = 127.0.0.1:${vars.port}`,
    'max_connections = 8',
    // Large enough for putMany() of a few thousand cards with photos.
    'max_content_length = 200000000',
    'timeout = 30',
    ...(vars.tls ? ['ssl = True', `certificate = ${vars.tls.cert}`, `key = ${vars.tls.key}`] : []),
    '',
    '[auth]',
    'type = htpasswd',
    `htpasswd_filename = ${path.join(vars.dir, 'users')}`,
    'htpasswd_encryption = plain',
    // Radicale sleeps this long after a failed login; the wrong-password tests must stay fast.
    'delay = 0',
    '',
    '[rights]',
    'type = owner_only',
    '',
    '[storage]',
    `filesystem_folder = ${path.join(vars.dir, 'collections')}`,
    '',
    '[web]',
    'type = none',
    '',
    '[logging]',
    'level = warning',
    'mask_passwords = True',
    '',
  ].join('\n');
}

const MKCOL_BODY = (displayName: string) =>
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  '<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>' +
  '<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>' +
  `<d:displayname>${displayName}</d:displayname>` +
  '</d:prop></d:set></d:mkcol>';

const PROPPATCH_BODY = (displayName: string) =>
  '<?xml version="1.0" encoding="utf-8"?>\n' +
  `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>${displayName}</d:displayname></d:prop></d:set></d:propertyupdate>`;

// ---------------------------------------------------------------------------------------------

class LabImpl implements RadicaleLab {
  /** Unregisters from the exit-time cleanup (process-hygiene.ts). */
  private unregisterExit: (() => void) | undefined;
  readonly baseUrl: string;
  readonly host: string;
  readonly port: number;
  readonly ssl: boolean;
  readonly caCertPem: string | null;
  readonly certificateCommonName: string | null;
  readonly users: readonly RadicaleUser[];
  readonly addressBook: string;
  readonly dir: string;
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private watchdog: ChildProcess | null = null;
  private disposed = false;
  private finalLog: string | null = null;

  // No TS parameter properties: tests/lab stays runnable with Node's type stripping.
  constructor(dir: string, port: number, users: readonly RadicaleUser[], addressBook: string, caCertPem: string | null) {
    this.dir = dir;
    this.port = port;
    this.users = users;
    this.addressBook = addressBook;
    this.caCertPem = caCertPem;
    this.ssl = caCertPem !== null;
    this.certificateCommonName = caCertPem === null ? null : CERT_CN;
    this.host = `127.0.0.1:${port}`;
    this.baseUrl = `${this.ssl ? 'https' : 'http'}://${this.host}`;
  }

  private get logPath() {
    return path.join(this.dir, 'radicale.log');
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

  addressBookPath(user: string): string {
    this.checkUser(user);
    return `/${user}/${this.addressBook}/`;
  }

  cardPath(user: string, uid: string): string {
    if (!UID_RE.test(uid)) throw new Error(`RadicaleLab: UID must be a safe file name, got ${JSON.stringify(uid)}`);
    return `${this.addressBookPath(user)}${uid}.vcf`;
  }

  private checkUser(user: string): RadicaleUser {
    const found = this.users.find((u) => u.user === user);
    if (!found) throw new Error(`RadicaleLab: unknown user ${JSON.stringify(user)}`);
    return found;
  }

  request(user: string, method: string, urlPath: string, body?: string, headers: Record<string, string> = {}): Promise<LabResponse> {
    const { password } = this.checkUser(user);
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const options: https.RequestOptions = {
      host: '127.0.0.1',
      port: this.port,
      method,
      path: urlPath,
      headers: {
        authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
        ...(payload ? { 'content-length': String(payload.length) } : {}),
        ...headers,
      },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(this.caCertPem ? { ca: this.caCertPem } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = (this.ssl ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  async putCard(user: string, uid: string, vcard: string): Promise<string> {
    const res = await this.request(user, 'PUT', this.cardPath(user, uid), vcard, { 'content-type': 'text/vcard; charset=utf-8' });
    if (res.status !== 201 && res.status !== 204) throw new Error(`PUT ${uid}: ${res.status} ${res.body.slice(0, 200)}`);
    const etag = res.headers.etag;
    if (typeof etag !== 'string') throw new Error(`PUT ${uid}: no ETag`);
    return etag;
  }

  async deleteCard(user: string, uid: string): Promise<void> {
    const res = await this.request(user, 'DELETE', this.cardPath(user, uid));
    if (res.status !== 200 && res.status !== 204) throw new Error(`DELETE ${uid}: ${res.status} ${res.body.slice(0, 200)}`);
  }

  async putMany(user: string, cards: readonly LabCard[]): Promise<void> {
    const book = this.addressBookPath(user);
    const merged = new Map<string, string>();
    const existing = await this.request(user, 'GET', book);
    if (existing.status !== 200) throw new Error(`GET ${book}: ${existing.status}`);
    for (const [uid, card] of splitByUid(existing.body)) merged.set(uid, card);
    for (const { uid, vcard } of cards) {
      if (!UID_RE.test(uid)) throw new Error(`putMany: UID must be a safe file name, got ${JSON.stringify(uid)}`);
      if (!/^UID[;:]/im.test(vcard)) throw new Error(`putMany: card ${uid} has no UID line (Radicale names the file after it)`);
      merged.set(uid, vcard.endsWith('\n') ? vcard : `${vcard}\r\n`);
    }
    const res = await this.request(user, 'PUT', book, [...merged.values()].join(''), { 'content-type': 'text/vcard; charset=utf-8' });
    if (res.status !== 201 && res.status !== 204) throw new Error(`PUT ${book} (${merged.size} cards): ${res.status} ${res.body.slice(0, 300)}`);
    // A whole-collection upload keeps only the tag: put the display name back.
    const patch = await this.request(user, 'PROPPATCH', book, PROPPATCH_BODY(`${user} contacts`), { 'content-type': 'application/xml; charset=utf-8' });
    if (patch.status !== 207) throw new Error(`PROPPATCH ${book}: ${patch.status}`);
  }

  async start(): Promise<void> {
    this.unregisterExit ??= cleanUpOnExit(this);
    const fd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(PYTHON, ['-m', 'radicale', '--config', path.join(this.dir, 'radicale.conf')], {
        cwd: this.dir,
        detached: true,
        stdio: ['ignore', fd, fd],
        // Radicale reads no environment we rely on; keep it from reading the user's config.
        env: { ...process.env, HOME: this.dir, XDG_CONFIG_HOME: this.dir, PYTHONDONTWRITEBYTECODE: '1' },
      });
    } finally {
      closeSync(fd);
    }
    this.proc = child;
    this.exited = new Promise<void>((resolve) => {
      const onGone = () => {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        if (this.proc === child) {
          this.proc = null;
          this.tellWatchdog('');
        }
        resolve();
      };
      child.once('exit', onGone);
      child.once('error', onGone);
    });
    if (child.pid !== undefined) this.tellWatchdog(String(child.pid));
    try {
      await this.waitReady(child);
    } catch (err) {
      await this.kill();
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`Radicale did not become ready: ${msg}\n--- log tail (${this.logPath}) ---\n${tail(this.log())}`, { cause: err });
    }
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const first = this.users[0];
    for (;;) {
      if (this.proc !== child) throw new Error(`radicale exited (code ${child.exitCode}, signal ${child.signalCode})`);
      if (await tcpConnects(this.port, 200)) {
        // Listening is not enough: the first request also proves auth and storage work.
        const res = first ? await this.request(first.user, 'PROPFIND', '/', undefined, { depth: '0' }).catch(() => null) : null;
        if (!first || res?.status === 207) return;
      }
      if (Date.now() > deadline) throw new Error(`timeout after ${READY_TIMEOUT_MS} ms (port ${this.port})`);
      await sleep(20);
    }
  }

  async createAddressBooks(): Promise<void> {
    for (const { user } of this.users) {
      const res = await this.request(user, 'MKCOL', this.addressBookPath(user), MKCOL_BODY(`${user} contacts`), {
        'content-type': 'application/xml; charset=utf-8',
      });
      if (res.status !== 201) throw new Error(`MKCOL ${this.addressBookPath(user)}: ${res.status} ${res.body.slice(0, 200)}`);
    }
  }

  async kill(): Promise<void> {
    const child = this.proc;
    if (!child || child.pid === undefined) return;
    killGroup(child.pid, 'SIGKILL');
    await this.exited;
  }

  private async stop(): Promise<void> {
    const child = this.proc;
    if (!child || child.pid === undefined) return;
    try {
      child.kill('SIGTERM');
    } catch {
      // already gone
    }
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
    if (timedOut) killGroup(child.pid, 'SIGKILL');
    await this.exited;
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
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  /** Like dispose() but keeps the folder (startRadicale's port retry). */
  async abandon(): Promise<void> {
    this.disposed = true;
    await this.kill();
    this.closeWatchdog(true);
    this.unregisterExit?.();
    this.unregisterExit = undefined;
  }

  private closeWatchdog(keepDir = false): void {
    const stdin = this.watchdog?.stdin;
    // Empty pgid: nothing left to kill; the watchdog exits on EOF.
    if (stdin && !stdin.destroyed) stdin.end(keepDir ? '\nkeep\n' : '\n');
    this.watchdog = null;
  }

  startWatchdog(): void {
    this.watchdog = spawnWatchdog(this.dir, 'tsunagu-radicale-watchdog');
  }

  private tellWatchdog(pgid: string): void {
    const stdin = this.watchdog?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(`${pgid}\n`);
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

/**
 * Start a fresh Radicale on a free loopback port in a new temp folder, with one address book
 * per user. Resolves once an authenticated PROPFIND succeeds and the books exist; rejects with
 * the log tail.
 */
export async function startRadicale(opts: StartRadicaleOptions = {}): Promise<RadicaleLab> {
  const users = (opts.users ?? DEFAULT_USERS).map((u) => ({ ...u }));
  const addressBook = opts.addressBook ?? 'contacts';
  if (!USER_RE.test(addressBook)) throw new Error(`startRadicale: invalid address book name ${JSON.stringify(addressBook)}`);
  if (users.length === 0) throw new Error('startRadicale: at least one user is needed');
  const seen = new Set<string>();
  for (const { user, password } of users) {
    if (!USER_RE.test(user)) throw new Error(`startRadicale: invalid user name ${JSON.stringify(user)}`);
    if (!PASSWORD_RE.test(password)) throw new Error(`startRadicale: passwords must be printable ASCII without spaces (${user})`);
    if (seen.has(user)) throw new Error(`startRadicale: duplicate user ${user}`);
    seen.add(user);
  }

  const dir = mkdtempSync(path.join(tempRoot(), 'tsunagu-rad-'));
  try {
    await writeFile(path.join(dir, 'users'), users.map((u) => `${u.user}:${u.password}\n`).join(''), { mode: 0o600 });
    let tls: { cert: string; key: string } | null = null;
    let caCertPem: string | null = null;
    if (opts.tls) {
      tls = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
      await run(
        OPENSSL,
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${CERT_CN}`,
          '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', tls.key, '-out', tls.cert],
        dir,
      );
      caCertPem = readFileSync(tls.cert, 'utf8');
    }
    // A free port can be taken between our probe and Radicale's bind: then retry with another.
    for (let attempt = 1; ; attempt++) {
      const port = await freeTcpPort();
      await writeFile(path.join(dir, 'radicale.conf'), radicaleConfig({ dir, port, tls }));
      const lab = new LabImpl(dir, port, Object.freeze(users), addressBook, caCertPem);
      lab.startWatchdog();
      try {
        await lab.start();
        await lab.createAddressBooks();
        return lab;
      } catch (err) {
        const bindError = /Address already in use|Failed to start server/i.test(lab.log());
        await lab.abandon();
        if (!bindError || attempt >= 3) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
