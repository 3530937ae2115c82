// The history upload outbox end to end: the history service writes the outbox row in the
// transaction that stores a call's end, and the uploader delivers it over real HTTP (node:http
// on a loopback port) to a receiver that records every request and honours the
// Idempotency-Key. Time is a fake clock with fake timers (the backoff is minutes long); the
// sockets and the SQLite file are real. Assertions are on what the receiver actually got.

import type { Database } from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/database';
import {
  CALL_RECORD_SCHEMA,
  checkEndpointUrl,
  createHistoryUploader,
  nodeHttpPost,
  parseRetryAfter,
  type HistoryUploaderOptions,
  type UploadEndpoint,
  type UploadPost,
} from '../../../src-main/history/history-outbox';
import { createHistoryQuery } from '../../../src-main/history/history-query';
import { createHistoryService } from '../../../src-main/history/history-service';
import { closedPort, fakeTime as makeFakeTime, recordingLog } from '../../support/outbox-kit';
import { makeTempDir } from '../../support/temp-dir';

const T0 = 1_700_000_000_000;
const USER = 'taro@example.jp';
const PASSWORD = 'pa55-Wörd:with-colon';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

// ---------------------------------------------------------------------------------------------
// Fake time: the uploader's clock and timers, and the history service's clock.

const fakeTime = () => makeFakeTime(T0);

// ---------------------------------------------------------------------------------------------
// The receiver: a real HTTP server that stores each record once per Idempotency-Key.

interface ReceivedPost {
  path: string;
  key: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** What the receiver does with one POST; undefined = the normal behaviour. */
type Scripted = { status: number; headers?: Record<string, string> } | 'store-then-drop' | undefined;

interface Receiver {
  port: number;
  /** Every POST, in arrival order (duplicates included). */
  posts: ReceivedPost[];
  /** Records by idempotency key, each stored once. */
  stored: Map<string, unknown>;
  credentials: { user: string; password: string };
  respond: (post: ReceivedPost, index: number) => Scripted;
  /** Holds each answer this long (ms, real time): lets requests overlap if the client sent them so. */
  delayMs: number;
  maxConcurrent: number;
  close(): Promise<void>;
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function receiverHandler(receiver: Omit<Receiver, 'port' | 'close'>) {
  let concurrent = 0;
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    concurrent += 1;
    receiver.maxConcurrent = Math.max(receiver.maxConcurrent, concurrent);
    res.on('close', () => (concurrent -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const post: ReceivedPost = {
        path: req.url ?? '',
        key: req.headers['idempotency-key'] as string | undefined,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      receiver.posts.push(post);
      const answer = () => {
        // The client gave up meanwhile (its deadline) or the test closed the server.
        if (res.destroyed || req.socket.destroyed) return;
        const scripted = receiver.respond(post, receiver.posts.length - 1);
        if (scripted === 'store-then-drop') {
          // Stored, then the connection dies before the answer: the client cannot know.
          if (post.key && !receiver.stored.has(post.key)) receiver.stored.set(post.key, JSON.parse(post.body));
          req.socket.destroy();
          return;
        }
        if (scripted) {
          res.writeHead(scripted.status, scripted.headers ?? {}).end('{"error":"scripted"}');
          return;
        }
        if (post.authorization !== basic(receiver.credentials.user, receiver.credentials.password)) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="records"' }).end();
          return;
        }
        if (!post.key) {
          res.writeHead(400).end();
          return;
        }
        // Honours the key: a record it already has is acknowledged, never stored again.
        if (receiver.stored.has(post.key)) {
          res.writeHead(409).end();
          return;
        }
        receiver.stored.set(post.key, JSON.parse(post.body));
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
      };
      if (receiver.delayMs > 0) setTimeout(answer, receiver.delayMs).unref();
      else answer();
    });
  };
}

async function listen(server: http.Server | https.Server, port: number): Promise<number> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  return (server.address() as AddressInfo).port;
}

async function startReceiver(port = 0, tlsOptions?: { key: string; cert: string }): Promise<Receiver> {
  const state = {
    posts: [] as ReceivedPost[],
    stored: new Map<string, unknown>(),
    credentials: { user: USER, password: PASSWORD },
    respond: (() => undefined) as Receiver['respond'],
    delayMs: 0,
    maxConcurrent: 0,
  };
  const handler = receiverHandler(state);
  const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
  const bound = await listen(server, port);
  return Object.assign(state, {
    port: bound,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  });
}


// ---------------------------------------------------------------------------------------------
// The app side


let temp: ReturnType<typeof makeTempDir>;
let time: ReturnType<typeof fakeTime>;
let log: ReturnType<typeof recordingLog>;
const cleanups: (() => unknown)[] = [];

beforeEach(() => {
  temp = makeTempDir('tsunagu-outbox-');
  time = fakeTime();
  log = recordingLog();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  // The password never reaches a log line, in clear or as the header's base64.
  for (const line of log.lines) {
    expect(line).not.toContain(PASSWORD);
    expect(line).not.toContain(basic(USER, PASSWORD).slice('Basic '.length));
  }
  temp.cleanup();
});

function openDb(name = 'tsunagu.sqlite'): Database {
  const db = openDatabase(join(temp.dir, name));
  cleanups.push(() => db.close());
  return db;
}

function uploaderFor(db: Database, endpoint: () => UploadEndpoint | null, extra: Partial<HistoryUploaderOptions> = {}) {
  const uploader = createHistoryUploader({
    db,
    clock: time.clock,
    log,
    endpoint,
    setTimer: time.setTimer,
    clearTimer: time.clearTimer,
    // No jitter: the waits below are exact.
    random: () => 0,
    ...extra,
  });
  cleanups.push(() => uploader.stop());
  return uploader;
}

const endpointAt = (port: number, password = PASSWORD): UploadEndpoint => ({
  url: `http://127.0.0.1:${port}/v1/call-records`,
  user: USER,
  password,
});

function historyWithOutbox(db: Database, enqueue: () => boolean = () => true) {
  return createHistoryService(db, time.clock, { outbox: { enqueue } });
}

/** One finished call: n odd = answered outgoing (30 s of talk), n even = missed incoming. */
function recordCall(history: ReturnType<typeof createHistoryService>, n: number): void {
  const answered = n % 2 === 1;
  history.callStarted({
    callId: id(n),
    direction: answered ? 'outgoing' : 'incoming',
    remoteNumber: `03-1234-${String(n).padStart(4, '0')}`,
    remoteName: answered ? `相手 ${n}` : null,
    localAccount: '1001@pbx.example.jp',
    sipCallId: `sip-${n}@host`,
  });
  time.advance(2_000);
  if (answered) history.callAnswered(id(n));
  time.advance(30_500);
  history.callEnded({ callId: id(n), outcome: answered ? 'answered' : 'missed', reason: answered ? 'bye:remote' : 'cancel' });
  time.advance(1_000);
}

const outboxRows = (db: Database) =>
  db.prepare('SELECT call_id, payload, attempts, next_attempt_at, delivered_at, last_error, failure_kind FROM history_outbox ORDER BY created_at, rowid').all() as {
    call_id: string;
    payload: string;
    attempts: number;
    next_attempt_at: number;
    delivered_at: number | null;
    last_error: string | null;
    failure_kind: string | null;
  }[];

// ---------------------------------------------------------------------------------------------

describe('history outbox: written with the end of the call', () => {
  it('queues the final stored row as a versioned record, in the same transaction as the end', () => {
    const db = openDb();
    const history = historyWithOutbox(db);
    recordCall(history, 1);
    const rows = outboxRows(db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ call_id: id(1), attempts: 0, delivered_at: null, last_error: null, next_attempt_at: T0 + 32_500 });
    const entry = history.get(id(1))!;
    expect(JSON.parse(rows[0]!.payload)).toEqual({
      schema: CALL_RECORD_SCHEMA,
      callId: id(1),
      sipCallId: 'sip-1@host',
      direction: 'outgoing',
      outcome: 'answered',
      remoteNumber: '03-1234-0001',
      remoteName: '相手 1',
      localAccount: '1001@pbx.example.jp',
      startedAt: new Date(entry.startedAt).toISOString(),
      answeredAt: '2023-11-14T22:13:22.000Z',
      endedAt: '2023-11-14T22:13:52.500Z',
      durationSec: 30,
      endReason: 'bye:remote',
    });
    expect(new Date(entry.endedAt!).toISOString()).toBe('2023-11-14T22:13:52.500Z');
    // A second end for the same call changes nothing and queues nothing.
    history.callEnded({ callId: id(1), outcome: 'failed', reason: 'late' });
    expect(outboxRows(db)).toHaveLength(1);
  });

  it('if the outbox insert fails, the end of the call is rolled back with it (and vice versa)', () => {
    const db = openDb();
    const history = historyWithOutbox(db);
    const ended: string[] = [];
    history.onCallEnded((e) => ended.push(e.callId));
    history.callStarted({ callId: id(1), direction: 'incoming', remoteNumber: '1002', remoteName: null, localAccount: 'a', sipCallId: null });
    db.exec("CREATE TEMP TRIGGER outbox_full BEFORE INSERT ON history_outbox BEGIN SELECT RAISE(ABORT, 'outbox write failed (test)'); END");
    expect(() => history.callEnded({ callId: id(1), outcome: 'missed', reason: 'cancel' })).toThrow(/outbox write failed/);
    // Neither half: the call is still open, nothing queued, nobody told.
    expect(history.get(id(1))).toMatchObject({ outcome: null, endedAt: null });
    expect(outboxRows(db)).toEqual([]);
    expect(ended).toEqual([]);

    // The same at start-up: an interrupted mark without its record is not stored either.
    expect(() => history.markInterruptedCalls()).toThrow(/outbox write failed/);
    expect(history.get(id(1))?.outcome).toBeNull();

    db.exec('DROP TRIGGER outbox_full');
    history.callEnded({ callId: id(1), outcome: 'missed', reason: 'cancel' });
    expect(history.get(id(1))?.outcome).toBe('missed');
    expect(outboxRows(db).map((r) => r.call_id)).toEqual([id(1)]);
    expect(ended).toEqual([id(1)]);
  });

  it('queues nothing when enqueue() says no (or there is no outbox), and asks at each end', () => {
    const db = openDb();
    let enabled = false;
    const history = historyWithOutbox(db, () => enabled);
    recordCall(history, 1);
    expect(outboxRows(db)).toEqual([]);
    enabled = true;
    recordCall(history, 2);
    expect(outboxRows(db).map((r) => r.call_id)).toEqual([id(2)]);
    const plain = createHistoryService(db, time.clock);
    recordCall(plain, 3);
    expect(outboxRows(db).map((r) => r.call_id)).toEqual([id(2)]);
  });

  it('calls cut off by a crash are queued as interrupted when marked at the next start', () => {
    const file = join(temp.dir, 'crash.sqlite');
    const first = openDatabase(file);
    const before = historyWithOutbox(first);
    before.callStarted({ callId: id(7), direction: 'outgoing', remoteNumber: '1002', remoteName: null, localAccount: 'a', sipCallId: 's7' });
    time.advance(1_000);
    before.callAnswered(id(7));
    first.close();

    const db = openDatabase(file);
    cleanups.push(() => db.close());
    const history = historyWithOutbox(db);
    expect(history.markInterruptedCalls()).toBe(1);
    expect(JSON.parse(outboxRows(db)[0]!.payload)).toMatchObject({
      callId: id(7),
      outcome: 'interrupted',
      endReason: 'app-stopped',
      answeredAt: new Date(T0 + 1_000).toISOString(),
      endedAt: null,
      durationSec: null,
    });
  });
});

describe('history uploader over real HTTP', () => {
  it('receiver down for 20 calls, then up: all 20 delivered exactly once, oldest first', async () => {
    const db = openDb();
    const history = historyWithOutbox(db);
    const port = await closedPort();
    let attempts = 0;
    const post: UploadPost = (request) => {
      attempts += 1;
      return nodeHttpPost(request);
    };
    const uploader = uploaderFor(db, () => endpointAt(port), { post });
    // As the app wires it: every stored end kicks the uploader.
    history.onCallEnded(() => void uploader.kick());
    await uploader.start();

    for (let n = 1; n <= 20; n++) {
      recordCall(history, n);
      await uploader.whenIdle();
    }
    expect(attempts).toBeGreaterThanOrEqual(20); // it did try, and failed each time
    expect(uploader.status()).toMatchObject({ pending: 20, lastDeliveredAt: null });
    expect(uploader.status().lastError).toMatch(/ECONNREFUSED/);
    expect(outboxRows(db).every((r) => r.delivered_at === null && r.failure_kind !== 'server')).toBe(true);
    expect(log.lines.some((l) => l.startsWith('warn history upload failed (') && l.includes('ECONNREFUSED'))).toBe(true);

    const receiver = await startReceiver(port);
    cleanups.push(() => receiver.close());
    // Nothing is sent until the backoff says so…
    expect(receiver.posts).toHaveLength(0);
    const wait = time.nextTimerIn();
    expect(wait).toBeGreaterThan(0);
    time.advance(wait!);
    await uploader.whenIdle();

    const keys = receiver.posts.map((p) => p.key);
    expect(keys).toEqual(Array.from({ length: 20 }, (_, i) => id(i + 1)));
    expect(receiver.posts.length - new Set(keys).size).toBe(0); // no duplicate on the wire
    expect(receiver.stored.size).toBe(20);
    for (const p of receiver.posts) {
      expect(p.path).toBe('/v1/call-records');
      expect(p.contentType).toBe('application/json');
      expect(p.authorization).toBe(basic(USER, PASSWORD));
      expect(JSON.parse(p.body)).toMatchObject({ schema: CALL_RECORD_SCHEMA, callId: p.key });
    }
    expect(receiver.stored.get(id(2))).toMatchObject({ direction: 'incoming', outcome: 'missed', answeredAt: null, durationSec: null, endReason: 'cancel' });
    expect(uploader.status()).toMatchObject({ pending: 0, lastError: null, lastDeliveredAt: time.clock.now() });
    expect(outboxRows(db).every((r) => r.delivered_at !== null && r.last_error === null)).toBe(true);

    // Delivered means delivered: more kicks, more time, a restart send nothing again.
    await uploader.kick();
    time.advance(60 * 60_000);
    await uploader.whenIdle();
    await uploader.stop();
    const again = uploaderFor(db, () => endpointAt(port));
    await again.start();
    expect(receiver.posts).toHaveLength(20);
  });

  it('the network coming back (a kick) delivers at once, without waiting out the backoff', async () => {
    const db = openDb();
    const history = historyWithOutbox(db);
    const port = await closedPort();
    const uploader = uploaderFor(db, () => endpointAt(port));
    await uploader.start();
    recordCall(history, 1);
    recordCall(history, 2);
    await uploader.kick();
    expect(uploader.pending()).toBe(2);
    expect(outboxRows(db)[0]).toMatchObject({ attempts: 1, failure_kind: 'network' });

    const receiver = await startReceiver(port);
    cleanups.push(() => receiver.close());
    await uploader.kick();
    expect(receiver.posts.map((p) => p.key)).toEqual([id(1), id(2)]);
    expect(uploader.pending()).toBe(0);
  });

  it('a 500 is retried after the backoff (not at the next kick), then a 200 delivers it', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.respond = (_post, index) => (index === 0 ? { status: 500 } : undefined);
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port), { backoff: { initialMs: 5_000 } });
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(receiver.posts).toHaveLength(1);
    expect(outboxRows(db)[0]).toMatchObject({ attempts: 1, last_error: 'HTTP 500', failure_kind: 'server', next_attempt_at: time.clock.now() + 5_000 });
    expect(uploader.status()).toMatchObject({ pending: 1, lastError: 'HTTP 500', nextAttemptAt: time.clock.now() + 5_000 });

    // The server asked us to back off: a kick (a call ending) does not cut that short.
    await uploader.kick();
    time.advance(4_999);
    await uploader.whenIdle();
    expect(receiver.posts).toHaveLength(1);

    time.advance(1);
    await uploader.whenIdle();
    expect(receiver.posts.map((p) => p.key)).toEqual([id(1), id(1)]);
    expect(receiver.stored.size).toBe(1);
    expect(uploader.status()).toMatchObject({ pending: 0, lastError: null });
    expect(outboxRows(db)[0]).toMatchObject({ attempts: 2, last_error: null, failure_kind: null });
    expect(log.lines).toContain('info history upload works again');
  });

  it('backs off exponentially with a cap while the server keeps failing', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.respond = () => ({ status: 503 });
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port), { backoff: { initialMs: 5_000, maxMs: 60_000 } });
    await uploader.start();
    recordCall(history, 1);
    recordCall(history, 2);
    await uploader.kick();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const wait = time.nextTimerIn()!;
      waits.push(wait);
      time.advance(wait);
      await uploader.whenIdle();
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    // The pass stops at the failing endpoint: the record behind the first is not hammered too.
    expect(receiver.posts.map((p) => p.key)).toEqual(Array(7).fill(id(1)));
    expect(outboxRows(db).map((r) => r.attempts)).toEqual([7, 0]);
  });

  it('honours Retry-After (seconds and HTTP-date) instead of its own backoff', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.respond = (_post, index) =>
      index === 0
        ? { status: 503, headers: { 'retry-after': '120' } }
        : index === 1
          ? { status: 429, headers: { 'retry-after': new Date(time.clock.now() + 30_000).toUTCString() } }
          : undefined;
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port), { backoff: { initialMs: 5_000 } });
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(receiver.posts).toHaveLength(1);
    time.advance(5_000); // its own backoff would have retried here
    await uploader.whenIdle();
    expect(receiver.posts).toHaveLength(1);
    time.advance(114_999);
    await uploader.whenIdle();
    expect(receiver.posts).toHaveLength(1);
    time.advance(1);
    await uploader.whenIdle();
    expect(receiver.posts).toHaveLength(2); // at exactly 120 s: a 429 with an HTTP-date 30 s on
    // HTTP-dates have whole seconds: the wait is 29–30 s.
    expect(time.nextTimerIn()).toBeGreaterThan(29_000);
    expect(time.nextTimerIn()).toBeLessThanOrEqual(30_000);
    time.advance(30_000);
    await uploader.whenIdle();
    expect(receiver.posts).toHaveLength(3);
    expect(uploader.pending()).toBe(0);

    expect(parseRetryAfter('7', 0)).toBe(7_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });

  it('a 401 is kept with its error and retried at the cap; a fixed password is tried at once', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    let password = 'wrong-password';
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port, password), { backoff: { maxMs: 15 * 60_000 } });
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(receiver.posts).toHaveLength(1);
    expect(receiver.stored.size).toBe(0);
    expect(uploader.status()).toMatchObject({ pending: 1, lastError: 'HTTP 401' });
    expect(outboxRows(db)[0]).toMatchObject({ attempts: 1, last_error: 'HTTP 401', failure_kind: 'rejected', delivered_at: null });

    // Same credentials: a kick does not hammer the server with them; the cap does retry.
    await uploader.kick();
    expect(receiver.posts).toHaveLength(1);
    expect(time.nextTimerIn()).toBe(15 * 60_000);
    time.advance(15 * 60_000);
    await uploader.whenIdle();
    expect(receiver.posts).toHaveLength(2);
    expect(uploader.pending()).toBe(1); // still kept, never dropped

    password = PASSWORD; // the user fixes it in the settings; the app kicks
    await uploader.kick();
    expect(receiver.posts).toHaveLength(3);
    expect(receiver.posts.at(-1)?.authorization).toBe(basic(USER, PASSWORD));
    expect([...receiver.stored.keys()]).toEqual([id(1)]);
    expect(uploader.status()).toMatchObject({ pending: 0, lastError: null });
    for (const line of log.lines) expect(line).not.toContain('wrong-password');
  });

  it('an answer lost after the server stored the record: sent again with the same key, stored once', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.respond = (_post, index) => (index === 0 ? 'store-then-drop' : undefined);
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port));
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(uploader.pending()).toBe(1);
    expect(outboxRows(db)[0]?.failure_kind).toBe('network');
    time.advance(time.nextTimerIn()!);
    await uploader.whenIdle();
    // On the wire twice (it could not know), at the server once (409 = already have it).
    expect(receiver.posts.map((p) => p.key)).toEqual([id(1), id(1)]);
    expect(receiver.posts[0]?.body).toBe(receiver.posts[1]?.body);
    expect(receiver.stored.size).toBe(1);
    expect(uploader.pending()).toBe(0);
  });

  it('a record the server refuses (400) waits at the cap without holding up the others', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.respond = (post) => (post.key === id(1) ? { status: 400 } : undefined);
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port));
    recordCall(history, 1);
    recordCall(history, 2);
    recordCall(history, 3);
    await uploader.start();
    expect(receiver.posts.map((p) => p.key)).toEqual([id(1), id(2), id(3)]);
    expect([...receiver.stored.keys()]).toEqual([id(2), id(3)]);
    expect(outboxRows(db)[0]).toMatchObject({ call_id: id(1), last_error: 'HTTP 400', failure_kind: 'rejected', delivered_at: null, next_attempt_at: time.clock.now() + 15 * 60_000 });
    receiver.respond = () => undefined; // the server is fixed
    time.advance(15 * 60_000);
    await uploader.whenIdle();
    expect([...receiver.stored.keys()]).toEqual([id(2), id(3), id(1)]);
  });

  it('runs one delivery loop at a time, however often it is kicked', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.delayMs = 20;
    const history = historyWithOutbox(db);
    for (let n = 1; n <= 5; n++) recordCall(history, n);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port));
    await Promise.all([uploader.start(), uploader.kick(), uploader.kick(), uploader.kick(), uploader.kick()]);
    await uploader.whenIdle();
    expect(receiver.maxConcurrent).toBe(1);
    expect(receiver.posts.map((p) => p.key)).toEqual([1, 2, 3, 4, 5].map(id));
  });

  it('sends nothing while no endpoint is configured, and everything once one is', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    let endpoint: UploadEndpoint | null = null;
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpoint);
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(time.pendingTimers()).toBe(0);
    expect(uploader.status()).toMatchObject({ pending: 1, lastError: null, nextAttemptAt: null });
    endpoint = endpointAt(receiver.port);
    await uploader.kick();
    expect(receiver.stored.size).toBe(1);
  });

  it('refuses plain http to another machine and never sends the password there', async () => {
    const db = openDb();
    let posted = 0;
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => ({ url: 'http://192.0.2.10/records', user: USER, password: PASSWORD }), {
      post: () => {
        posted += 1;
        throw new Error('must not be called');
      },
    });
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(posted).toBe(0);
    expect(uploader.status().lastError).toMatch(/plain http is refused/);
    expect(outboxRows(db)[0]).toMatchObject({ failure_kind: 'rejected', delivered_at: null });

    expect(checkEndpointUrl('http://localhost:8080/x').host).toBe('localhost:8080');
    expect(checkEndpointUrl('http://[::1]:8080/x').hostname).toBe('[::1]');
    expect(checkEndpointUrl('https://records.example.jp/v1').protocol).toBe('https:');
    expect(() => checkEndpointUrl('http://records.example.jp/v1')).toThrow(/plain http/);
    expect(() => checkEndpointUrl('https://u:p@records.example.jp/v1')).toThrow(/user name or password/);
    expect(() => checkEndpointUrl('ftp://records.example.jp/')).toThrow(/must be https/);
  });

  it('deleting a call from the history does not fail and does not cancel its upload', async () => {
    const db = openDb();
    const history = historyWithOutbox(db);
    recordCall(history, 1);
    const query = createHistoryQuery(db, { search: () => [] });
    expect(query.deleteRows([history.get(id(1))!.id])).toBe(1);
    expect(history.get(id(1))).toBeUndefined();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    await uploaderFor(db, () => endpointAt(receiver.port)).start();
    expect(receiver.stored.get(id(1))).toMatchObject({ callId: id(1), outcome: 'answered' });
  });

  it('gives up a stalled request at its deadline and retries it', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.delayMs = 2_000; // answers far later than the deadline below
    const history = historyWithOutbox(db);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port), { timeoutMs: 150 });
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(uploader.status().lastError).toMatch(/ETIMEDOUT/);
    expect(outboxRows(db)[0]).toMatchObject({ failure_kind: 'network', delivered_at: null });
  });

  it('stop() cancels a request in flight; the record stays queued and is delivered after the next start', async () => {
    const db = openDb();
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    receiver.delayMs = 5_000; // the answer would come long after the app quit
    const history = historyWithOutbox(db);
    recordCall(history, 1);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port));
    const started = uploader.start();
    for (let i = 0; i < 400 && receiver.posts.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(receiver.posts).toHaveLength(1);
    await uploader.stop();
    await started;
    // Not counted as a failure of the endpoint, not delivered.
    expect(outboxRows(db)[0]).toMatchObject({ attempts: 0, delivered_at: null, last_error: null });
    expect(receiver.stored.size).toBe(0);

    receiver.delayMs = 0;
    await uploaderFor(db, () => endpointAt(receiver.port)).start();
    expect(receiver.posts.map((p) => p.key)).toEqual([id(1), id(1)]);
    expect(receiver.stored.size).toBe(1);
  });

  const OPENSSL = existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : null;
  it.skipIf(!OPENSSL)('https with a private CA: trusted for this endpoint when given, refused without it', async () => {
    await new Promise<void>((ok, fail) =>
      execFile(
        OPENSSL!,
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=Tsunagu outbox test',
          '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(temp.dir, 'key.pem'), '-out', join(temp.dir, 'cert.pem')],
        { timeout: 20_000 },
        (error) => (error ? fail(error) : ok()),
      ),
    );
    const cert = readFileSync(join(temp.dir, 'cert.pem'), 'utf8');
    const receiver = await startReceiver(0, { key: readFileSync(join(temp.dir, 'key.pem'), 'utf8'), cert });
    cleanups.push(() => receiver.close());
    const db = openDb();
    const history = historyWithOutbox(db);
    let ca: string | undefined = undefined;
    const uploader = uploaderFor(db, () => ({ url: `https://127.0.0.1:${receiver.port}/v1/call-records`, user: USER, password: PASSWORD, ...(ca ? { caCertPem: ca } : {}) }));
    await uploader.start();
    recordCall(history, 1);
    await uploader.kick();
    expect(receiver.posts).toHaveLength(0); // the TLS handshake failed: nothing was sent
    expect(outboxRows(db)[0]).toMatchObject({ failure_kind: 'rejected' });
    expect(uploader.status().lastError).toMatch(/SELF_SIGNED|CERT/);
    ca = cert; // the user adds the company's CA: a changed endpoint is tried at once
    await uploader.kick();
    expect(receiver.posts.map((p) => p.key)).toEqual([id(1)]);
    expect(uploader.pending()).toBe(0);
  });
});

describe('history outbox across a kill', () => {
  it('process killed (SIGKILL) between write and send: delivered exactly once after the restart', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const file = join(temp.dir, 'killed.sqlite');
    const repo = resolve(import.meta.dirname, '../../..');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/write-then-wait.ts'), file, '5'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((ok) => child.once('exit', (_code, signal) => ok(signal)));
    await new Promise<void>((ok, fail) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('written\n')) ok();
      });
      child.once('exit', (code) => fail(new Error(`child exited (${code}) before writing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(receiver.posts).toHaveLength(0);

    // The next start of the app, a while later (the child's clock ran to T0 + 3 min): open,
    // mark what the kill cut off, start the uploader.
    time.advance(10 * 60_000);
    const db = openDatabase(file);
    cleanups.push(() => db.close());
    const history = historyWithOutbox(db);
    expect(history.markInterruptedCalls()).toBe(1);
    const uploader = uploaderFor(db, () => endpointAt(receiver.port));
    await uploader.start();

    const expected = [1, 2, 3, 4, 5, 6].map(id);
    expect(receiver.posts.map((p) => p.key)).toEqual(expected);
    expect([...receiver.stored.keys()]).toEqual(expected);
    expect(receiver.stored.get(id(1))).toMatchObject({ outcome: 'answered', durationSec: 30, sipCallId: 'sip-1' });
    expect(receiver.stored.get(id(2))).toMatchObject({ outcome: 'missed', answeredAt: null });
    expect(receiver.stored.get(id(6))).toMatchObject({ outcome: 'interrupted', endedAt: null, endReason: 'app-stopped' });
    expect(uploader.pending()).toBe(0);

    // And a second restart sends nothing again.
    await uploader.stop();
    await uploaderFor(db, () => endpointAt(receiver.port)).start();
    expect(receiver.posts).toHaveLength(6);
  });
});
