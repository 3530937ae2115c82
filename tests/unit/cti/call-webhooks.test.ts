// CTI call webhooks end to end: the history service queues each call event in the transaction
// that stores the change, and the sender (the history upload's engine) POSTs it over real HTTP
// (node:http on a loopback port) to a receiver that records every request and honours the
// Idempotency-Key. Time is a fake clock with fake timers; the sockets and the SQLite file are
// real. Assertions are on what the receiver actually got.

import type { Database } from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CTI, type CtiEvent, type CtiSettings } from '../../../src-preload/contract';
import { CALL_EVENT_SCHEMA, createCallWebhooks, type CallWebhooksOptions } from '../../../src-main/cti/call-webhooks';
import { openDatabase } from '../../../src-main/db/database';
import { CALL_RECORD_SCHEMA, createHistoryUploader } from '../../../src-main/history/history-outbox';
import { createHistoryService } from '../../../src-main/history/history-service';
import { makeTempDir } from '../../support/temp-dir';
import { closedPort, fakeTime, id, recordingLog, startReceiver, T0, type Receiver } from './support';

const ACCOUNT = '1001@pbx.example.jp';
const NAME = '山田 & 佐藤 #1';
const iso = (ms: number) => new Date(ms).toISOString();

let temp: ReturnType<typeof makeTempDir>;
let time: ReturnType<typeof fakeTime>;
let log: ReturnType<typeof recordingLog>;
const cleanups: (() => unknown)[] = [];

beforeEach(() => {
  temp = makeTempDir('tsunagu-webhooks-');
  time = fakeTime();
  log = recordingLog();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  // The URL (path and query) and the caller's number and name never reach a log line.
  for (const line of log.lines) expect(line).not.toMatch(/hooks|0312345678|1234-5678|山田|%E5/);
  temp.cleanup();
});

function openDb(name = 'tsunagu.sqlite'): Database {
  const db = openDatabase(join(temp.dir, name));
  cleanups.push(() => db.open && db.close());
  return db;
}

async function receiver(port?: number): Promise<Receiver> {
  const r = await startReceiver(port);
  cleanups.push(() => r.close());
  return r;
}

const EVENTS: readonly CtiEvent[] = ['outgoing', 'ring', 'answer', 'end', 'missed'];

/** CTI on, with a webhook per event (`only`: just those) at /hooks/<event> on the receiver. */
function ctiFor(port: number, only: readonly CtiEvent[] = EVENTS, enabled = true): CtiSettings {
  const webhooks = { ...DEFAULT_CTI.webhooks };
  for (const event of only) webhooks[event] = `http://127.0.0.1:${port}/hooks/${event}?number={number}&name={name}&line={line}&call={callId}`;
  return { ...DEFAULT_CTI, enabled, webhooks };
}

function setup(db: Database, settings: { cti: CtiSettings }, extra: Partial<CallWebhooksOptions> = {}) {
  const webhooks = createCallWebhooks({
    db,
    clock: time.clock,
    log,
    cti: () => settings.cti,
    lineOf: (account) => (account === ACCOUNT ? '代表' : account),
    setTimer: time.setTimer,
    clearTimer: time.clearTimer,
    // No jitter: the waits below are exact.
    random: () => 0,
    ...extra,
  });
  cleanups.push(() => webhooks.stop());
  const history = createHistoryService(db, time.clock, { events: webhooks.sink });
  return { webhooks, history };
}

type History = ReturnType<typeof createHistoryService>;

function start(history: History, n: number, direction: 'incoming' | 'outgoing', remoteNumber = '03-1234-5678', remoteName: string | null = null): void {
  history.callStarted({ callId: id(n), direction, remoteNumber, remoteName, localAccount: ACCOUNT, sipCallId: `sip-${n}` });
}

const outboxRows = (db: Database) =>
  db.prepare('SELECT idempotency_key, event, attempts, delivered_at, last_error, failure_kind FROM webhook_outbox ORDER BY created_at, rowid').all() as {
    idempotency_key: string;
    event: string;
    attempts: number;
    delivered_at: number | null;
    last_error: string | null;
    failure_kind: string | null;
  }[];

// ---------------------------------------------------------------------------------------------

describe('call webhooks: the five events', () => {
  it('names the caller as the personal phonebook does, over what the caller claims', async () => {
    const db = openDb();
    const r = await receiver();
    const { webhooks, history } = setup(db, { cti: ctiFor(r.port, ['ring']) }, { nameOf: (number) => (number === '0312345678' ? '株式会社サンプル' : null) });
    await webhooks.start();
    start(history, 1, 'incoming', '0312345678', '<b>claimed</b>');
    start(history, 2, 'incoming', '0399999999', 'Claimed Only');
    await webhooks.whenIdle();
    expect(r.posts.map((p) => (JSON.parse(p.body) as { name: string | null }).name)).toEqual(['株式会社サンプル', 'Claimed Only']);
    expect(r.posts[0]!.url).toContain(`&name=${encodeURIComponent('株式会社サンプル')}&`);
  });

  it('delivers outgoing, ring, answer, end and missed with their bodies, keys and headers', async () => {
    const db = openDb();
    const r = await receiver();
    const { webhooks, history } = setup(db, { cti: ctiFor(r.port) });
    await webhooks.start();

    // An outgoing call, answered, 30 s of talk.
    start(history, 1, 'outgoing');
    await webhooks.whenIdle();
    time.advance(2_000);
    history.callAnswered(id(1));
    await webhooks.whenIdle();
    time.advance(30_500);
    history.callEnded({ callId: id(1), outcome: 'answered', reason: 'bye:remote' });
    await webhooks.whenIdle();
    // An incoming call nobody answered.
    time.advance(60_000);
    start(history, 2, 'incoming', 'sip:+81312345678@gw.example.jp', NAME);
    await webhooks.whenIdle();
    time.advance(20_000);
    history.callEnded({ callId: id(2), outcome: 'missed', reason: 'cancel' });
    await webhooks.whenIdle();
    // An incoming call the user rejected: 'missed' too (outcome tells them apart).
    start(history, 3, 'incoming', '0312345678');
    await webhooks.whenIdle();
    time.advance(1_000);
    history.callEnded({ callId: id(3), outcome: 'rejected', reason: 'sip:486' });
    await webhooks.whenIdle();

    expect(r.posts.map((p) => p.key)).toEqual([
      `${id(1)}:outgoing`,
      `${id(1)}:answer`,
      `${id(1)}:end`,
      `${id(2)}:ring`,
      `${id(2)}:missed`,
      `${id(3)}:ring`,
      `${id(3)}:missed`,
    ]);
    for (const post of r.posts) {
      expect(post.method).toBe('POST');
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers['user-agent']).toMatch(/^Tsunagu\//);
      // The receiver is the customer's own: no credentials of ours go there.
      expect(post.headers.authorization).toBeUndefined();
      expect(post.headers.cookie).toBeUndefined();
      const body = JSON.parse(post.body) as { event: string; callId: string };
      expect(post.key).toBe(`${body.callId}:${body.event}`);
      expect(post.url.startsWith(`/hooks/${body.event}?`)).toBe(true);
    }
    // The template's values: the same inert encoding as the CTI buttons.
    expect(r.posts[0]!.url).toBe(`/hooks/outgoing?number=03-1234-5678&name=&line=%E4%BB%A3%E8%A1%A8&call=${id(1)}`);
    expect(r.posts[3]!.url).toBe(
      `/hooks/ring?number=sip%3A%2B81312345678%40gw.example.jp&name=%E5%B1%B1%E7%94%B0%20%26%20%E4%BD%90%E8%97%A4%20%231&line=%E4%BB%A3%E8%A1%A8&call=${id(2)}`,
    );

    const body = (key: string) => r.stored.get(key);
    const common = { schema: CALL_EVENT_SCHEMA, localAccount: ACCOUNT };
    expect(body(`${id(1)}:outgoing`)).toEqual({
      ...common, event: 'outgoing', callId: id(1), direction: 'outgoing', number: '03-1234-5678', name: null,
      at: iso(T0), startedAt: iso(T0), answeredAt: null, endedAt: null, durationSec: null, outcome: null,
    });
    expect(body(`${id(1)}:answer`)).toEqual({
      ...common, event: 'answer', callId: id(1), direction: 'outgoing', number: '03-1234-5678', name: null,
      at: iso(T0 + 2_000), startedAt: iso(T0), answeredAt: iso(T0 + 2_000), endedAt: null, durationSec: null, outcome: null,
    });
    expect(body(`${id(1)}:end`)).toEqual({
      ...common, event: 'end', callId: id(1), direction: 'outgoing', number: '03-1234-5678', name: null,
      at: iso(T0 + 32_500), startedAt: iso(T0), answeredAt: iso(T0 + 2_000), endedAt: iso(T0 + 32_500), durationSec: 30, outcome: 'answered',
    });
    const ringAt = T0 + 92_500;
    expect(body(`${id(2)}:ring`)).toEqual({
      ...common, event: 'ring', callId: id(2), direction: 'incoming', number: 'sip:+81312345678@gw.example.jp', name: NAME,
      at: iso(ringAt), startedAt: iso(ringAt), answeredAt: null, endedAt: null, durationSec: null, outcome: null,
    });
    expect(body(`${id(2)}:missed`)).toEqual({
      ...common, event: 'missed', callId: id(2), direction: 'incoming', number: 'sip:+81312345678@gw.example.jp', name: NAME,
      at: iso(ringAt + 20_000), startedAt: iso(ringAt), answeredAt: null, endedAt: iso(ringAt + 20_000), durationSec: null, outcome: 'missed',
    });
    expect(body(`${id(3)}:missed`)).toMatchObject({ event: 'missed', outcome: 'rejected', answeredAt: null });
    expect(webhooks.pending()).toBe(0);
    expect(outboxRows(db).every((row) => row.delivered_at !== null && row.attempts === 1)).toBe(true);
  });

  it('an unanswered outgoing call closes with end; an answered incoming one with answer and end', async () => {
    const db = openDb();
    const r = await receiver();
    const { webhooks, history } = setup(db, { cti: ctiFor(r.port) });
    await webhooks.start();
    start(history, 1, 'outgoing');
    history.callEnded({ callId: id(1), outcome: 'cancelled', reason: 'cancel' });
    start(history, 2, 'incoming');
    time.advance(4_000);
    history.callAnswered(id(2));
    time.advance(61_000);
    history.callEnded({ callId: id(2), outcome: 'answered', reason: 'bye:local' });
    // Replays of each change (a renderer retry) queue nothing more.
    start(history, 2, 'incoming');
    history.callAnswered(id(2));
    history.callEnded({ callId: id(2), outcome: 'failed', reason: 'late' });
    await webhooks.whenIdle();
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:outgoing`, `${id(1)}:end`, `${id(2)}:ring`, `${id(2)}:answer`, `${id(2)}:end`]);
    expect(r.stored.get(`${id(1)}:end`)).toMatchObject({ outcome: 'cancelled', answeredAt: null, durationSec: null });
    expect(r.stored.get(`${id(2)}:end`)).toMatchObject({ direction: 'incoming', outcome: 'answered', durationSec: 61 });
  });
});

describe('call webhooks: delivery', () => {
  it('a 503 is retried after the backoff with the same key and body, then delivered', async () => {
    const db = openDb();
    const r = await receiver();
    r.respond = (_post, index) => (index === 0 ? { status: 503 } : undefined);
    const { webhooks, history } = setup(db, { cti: ctiFor(r.port, ['ring']) }, { backoff: { initialMs: 5_000 } });
    await webhooks.start();
    start(history, 1, 'incoming');
    await webhooks.whenIdle();
    expect(r.posts).toHaveLength(1);
    expect(outboxRows(db)[0]).toMatchObject({ attempts: 1, last_error: 'HTTP 503', failure_kind: 'server', delivered_at: null });
    expect(webhooks.status()).toMatchObject({ pending: 1, lastError: 'HTTP 503', nextAttemptAt: time.clock.now() + 5_000 });
    // The server asked us to wait: another event's kick does not cut that short.
    await webhooks.kick();
    time.advance(4_999);
    await webhooks.whenIdle();
    expect(r.posts).toHaveLength(1);
    time.advance(1);
    await webhooks.whenIdle();
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:ring`, `${id(1)}:ring`]);
    expect(r.posts[1]!.body).toBe(r.posts[0]!.body);
    expect(r.stored.size).toBe(1);
    expect(webhooks.status()).toMatchObject({ pending: 0, lastError: null });
    expect(log.lines).toContain('info call webhook works again');
  });

  it('honours Retry-After', async () => {
    const db = openDb();
    const r = await receiver();
    r.respond = (_post, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '90' } } : undefined);
    const { webhooks, history } = setup(db, { cti: ctiFor(r.port, ['ring']) });
    await webhooks.start();
    start(history, 1, 'incoming');
    await webhooks.whenIdle();
    expect(time.nextTimerIn()).toBe(90_000);
    time.advance(89_999);
    await webhooks.whenIdle();
    expect(r.posts).toHaveLength(1);
    time.advance(1);
    await webhooks.whenIdle();
    expect(r.posts).toHaveLength(2);
    expect(webhooks.pending()).toBe(0);
  });

  it('receiver down: events wait with backoff; when it is back, all go out once, in order', async () => {
    const db = openDb();
    const port = await closedPort();
    const { webhooks, history } = setup(db, { cti: ctiFor(port) });
    await webhooks.start();
    start(history, 1, 'incoming');
    await webhooks.whenIdle();
    time.advance(3_000);
    history.callAnswered(id(1));
    await webhooks.whenIdle();
    time.advance(10_000);
    history.callEnded({ callId: id(1), outcome: 'answered', reason: 'bye:remote' });
    await webhooks.whenIdle();
    expect(webhooks.status().pending).toBe(3);
    expect(webhooks.status().lastError).toMatch(/ECONNREFUSED/);
    expect(outboxRows(db).map((row) => row.failure_kind)).toEqual(['network', null, null]);
    expect(log.lines.some((l) => l.startsWith('warn call webhook failed (') && l.includes('ECONNREFUSED'))).toBe(true);

    const r = await receiver(port);
    expect(r.posts).toHaveLength(0);
    const wait = time.nextTimerIn();
    expect(wait).toBeGreaterThan(0);
    time.advance(wait!);
    await webhooks.whenIdle();
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:ring`, `${id(1)}:answer`, `${id(1)}:end`]);
    expect(webhooks.pending()).toBe(0);
    // Delivered is delivered: more kicks and more time send nothing again.
    await webhooks.kick();
    time.advance(60 * 60_000);
    await webhooks.whenIdle();
    expect(r.posts).toHaveLength(3);
  });

  it('a changed webhook URL is tried at once after a rejection (404)', async () => {
    const db = openDb();
    const r = await receiver();
    r.respond = (post) => (post.url.startsWith('/wrong') ? { status: 404 } : undefined);
    const settings = { cti: { ...DEFAULT_CTI, enabled: true, webhooks: { ...DEFAULT_CTI.webhooks, ring: `http://127.0.0.1:${r.port}/wrong/ring` } } };
    const { webhooks, history } = setup(db, settings);
    await webhooks.start();
    start(history, 1, 'incoming');
    await webhooks.whenIdle();
    expect(outboxRows(db)[0]).toMatchObject({ last_error: 'HTTP 404', failure_kind: 'rejected' });
    await webhooks.kick();
    expect(r.posts).toHaveLength(1);
    expect(time.nextTimerIn()).toBe(15 * 60_000);
    settings.cti = ctiFor(r.port, ['ring']); // the user fixes the URL; the app kicks on the settings change
    await webhooks.kick();
    expect(r.posts.map((p) => p.url.split('?')[0])).toEqual(['/wrong/ring', '/hooks/ring']);
    expect(webhooks.pending()).toBe(0);
  });

  it('a value that cannot go into the URL (a ".." path segment) holds back that event only, and is never sent', async () => {
    const db = openDb();
    const r = await receiver();
    const settings = { cti: ctiFor(r.port, ['ring', 'missed']) };
    settings.cti.webhooks.ring = `http://127.0.0.1:${r.port}/hooks/ring/{name}/card`;
    const { webhooks, history } = setup(db, settings);
    await webhooks.start();
    start(history, 1, 'incoming', '0312345678', '..');
    history.callEnded({ callId: id(1), outcome: 'missed', reason: 'cancel' });
    await webhooks.whenIdle();
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:missed`]);
    expect(outboxRows(db)[0]).toMatchObject({ event: 'ring', delivered_at: null, failure_kind: 'rejected' });
    expect(outboxRows(db)[0]!.last_error).toMatch(/cannot be placed in the ring webhook URL/);
  });
});

describe('call webhooks: only while on', () => {
  it('queues and sends nothing while CTI is off, however the webhooks are set', async () => {
    const db = openDb();
    const r = await receiver();
    const { webhooks, history } = setup(db, { cti: ctiFor(r.port, EVENTS, false) });
    await webhooks.start();
    start(history, 1, 'incoming');
    history.callAnswered(id(1));
    history.callEnded({ callId: id(1), outcome: 'answered', reason: null });
    start(history, 2, 'outgoing');
    history.callEnded({ callId: id(2), outcome: 'failed', reason: 'sip:404' });
    await webhooks.whenIdle();
    expect(outboxRows(db)).toEqual([]);
    expect(r.posts).toEqual([]);
    expect(time.pendingTimers()).toBe(0);
  });

  it('queues only the events whose webhook is set', async () => {
    const db = openDb();
    const r = await receiver();
    const { webhooks, history } = setup(db, { cti: ctiFor(r.port, ['end']) });
    await webhooks.start();
    start(history, 1, 'incoming');
    history.callAnswered(id(1));
    history.callEnded({ callId: id(1), outcome: 'answered', reason: null });
    start(history, 2, 'incoming');
    history.callEnded({ callId: id(2), outcome: 'missed', reason: null });
    await webhooks.whenIdle();
    expect(outboxRows(db).map((row) => row.idempotency_key)).toEqual([`${id(1)}:end`]);
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:end`]);
  });

  it('events queued while on wait, unsent, while CTI or their webhook is switched off', async () => {
    const db = openDb();
    const r = await receiver();
    const settings = { cti: ctiFor(r.port, ['ring', 'end']) };
    const { webhooks, history } = setup(db, settings);
    // Queued before the sender runs (as at start-up), then CTI goes off.
    start(history, 1, 'incoming');
    history.callAnswered(id(1));
    history.callEnded({ callId: id(1), outcome: 'answered', reason: null });
    settings.cti = { ...settings.cti, enabled: false };
    await webhooks.start();
    expect(r.posts).toEqual([]);
    expect(webhooks.pending()).toBe(2);
    expect(time.pendingTimers()).toBe(0);

    // On again, but the ring webhook removed: the end goes, the ring waits (and is not spun on).
    settings.cti = { ...ctiFor(r.port, ['end']) };
    await webhooks.kick();
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:end`]);
    expect(webhooks.pending()).toBe(1);
    expect(time.pendingTimers()).toBe(0);
    expect(outboxRows(db)[0]).toMatchObject({ event: 'ring', attempts: 0, delivered_at: null });

    settings.cti = ctiFor(r.port, ['ring', 'end']);
    await webhooks.kick();
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:end`, `${id(1)}:ring`]);
    expect(webhooks.pending()).toBe(0);
  });
});

describe('call webhooks: durability', () => {
  it('is written in the transaction of the history change: if one fails, neither is stored', () => {
    const db = openDb();
    const { history } = setup(db, { cti: ctiFor(9, ['ring', 'answer']) });
    db.exec("CREATE TEMP TRIGGER webhook_full BEFORE INSERT ON webhook_outbox BEGIN SELECT RAISE(ABORT, 'webhook write failed (test)'); END");
    expect(() => start(history, 1, 'incoming')).toThrow(/webhook write failed/);
    expect(history.get(id(1))).toBeUndefined();
    db.exec('DROP TRIGGER webhook_full');
    start(history, 1, 'incoming');
    db.exec("CREATE TEMP TRIGGER webhook_full BEFORE INSERT ON webhook_outbox BEGIN SELECT RAISE(ABORT, 'webhook write failed (test)'); END");
    expect(() => history.callAnswered(id(1))).toThrow(/webhook write failed/);
    expect(history.get(id(1))?.answeredAt).toBeNull();
    db.exec('DROP TRIGGER webhook_full');
    history.callAnswered(id(1));
    expect(outboxRows(db).map((row) => row.idempotency_key)).toEqual([`${id(1)}:ring`, `${id(1)}:answer`]);
  });

  it('survives a restart: events queued before the database was closed go out after it is reopened', async () => {
    const file = 'restart.sqlite';
    const r = await receiver();
    const settings = { cti: ctiFor(r.port) };
    {
      // The app is cut off mid-call, before the sender sent anything.
      const db = openDb(file);
      const { history } = setup(db, settings);
      start(history, 1, 'incoming', '0312345678', NAME);
      time.advance(2_000);
      history.callAnswered(id(1));
      start(history, 2, 'incoming', '0312345679');
      db.close();
    }
    expect(r.posts).toEqual([]);
    time.advance(10 * 60_000);

    const db = openDb(file);
    const { webhooks, history } = setup(db, settings);
    // The next start marks what the crash cut off: the answered call ends, the ringing one is missed.
    expect(history.markInterruptedCalls()).toBe(2);
    await webhooks.start();
    expect(r.posts.map((p) => p.key)).toEqual([`${id(1)}:ring`, `${id(1)}:answer`, `${id(2)}:ring`, `${id(1)}:end`, `${id(2)}:missed`]);
    expect(r.stored.get(`${id(1)}:end`)).toMatchObject({ outcome: 'interrupted', endedAt: null, durationSec: null, answeredAt: iso(T0 + 2_000), at: iso(time.clock.now()) });
    expect(r.stored.get(`${id(2)}:missed`)).toMatchObject({ outcome: 'interrupted', answeredAt: null });
    expect(webhooks.pending()).toBe(0);

    // And one more restart sends nothing again.
    await webhooks.stop();
    db.close();
    const again = openDb(file);
    await setup(again, settings).webhooks.start();
    expect(r.posts).toHaveLength(5);
  });

  it('runs beside the history upload without either holding up the other', async () => {
    const db = openDb();
    const upload = await receiver();
    const down = await closedPort();
    const webhooks = createCallWebhooks({ db, clock: time.clock, log, cti: () => ctiFor(down, ['end']), setTimer: time.setTimer, clearTimer: time.clearTimer, random: () => 0 });
    cleanups.push(() => webhooks.stop());
    const uploader = createHistoryUploader({
      db,
      clock: time.clock,
      log,
      endpoint: () => ({ url: `http://127.0.0.1:${upload.port}/v1/call-records`, user: '', password: '' }),
      setTimer: time.setTimer,
      clearTimer: time.clearTimer,
      random: () => 0,
    });
    cleanups.push(() => uploader.stop());
    const history = createHistoryService(db, time.clock, { outbox: { enqueue: () => true }, events: webhooks.sink });
    history.onCallEnded(() => void uploader.kick());
    await Promise.all([uploader.start(), webhooks.start()]);

    start(history, 1, 'outgoing');
    history.callAnswered(id(1));
    time.advance(5_000);
    history.callEnded({ callId: id(1), outcome: 'answered', reason: 'bye:local' });
    await Promise.all([uploader.whenIdle(), webhooks.whenIdle()]);
    // The webhook receiver is down; the history upload went out all the same.
    expect(upload.posts.map((p) => p.key)).toEqual([id(1)]);
    expect(JSON.parse(upload.posts[0]!.body)).toMatchObject({ schema: CALL_RECORD_SCHEMA, callId: id(1), outcome: 'answered' });
    expect(uploader.pending()).toBe(0);
    expect(webhooks.pending()).toBe(1);
    expect(webhooks.status().lastError).toMatch(/ECONNREFUSED/);
  });
});
