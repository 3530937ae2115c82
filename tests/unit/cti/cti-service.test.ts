// The CTI service on a real SQLite file: 前回通話 (the last call with a number, however it was
// written, never the ringing call itself, answered from an index) and the CTI buttons (the
// saved template, filled and opened; nothing personal in the log).

import type { Database } from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CTI, type CtiCallContext, type CtiSettings } from '../../../src-preload/contract';
import { createCtiService } from '../../../src-main/cti/cti-service';
import { openDatabase } from '../../../src-main/db/database';
import { remoteKeys } from '../../../src-main/history/history-query';
import { createHistoryService } from '../../../src-main/history/history-service';
import { recording, type Executed } from '../../support/recording-db';
import { makeTempDir } from '../../support/temp-dir';
import { fakeTime, id, recordingLog, T0 } from './support';

let temp: ReturnType<typeof makeTempDir>;
let db: Database;
let time: ReturnType<typeof fakeTime>;
let log: ReturnType<typeof recordingLog>;
beforeEach(() => {
  temp = makeTempDir('tsunagu-cti-');
  db = openDatabase(join(temp.dir, 'tsunagu.sqlite'));
  time = fakeTime();
  log = recordingLog();
});
afterEach(() => {
  db.close();
  temp.cleanup();
});

function service(database: Database = db, cti: CtiSettings = DEFAULT_CTI, openExternal: (url: string) => Promise<void> = async () => undefined) {
  return createCtiService({ db: database, cti: () => cti, openExternal, log });
}

type Ending = 'answered' | 'missed' | 'rejected' | 'cancelled' | 'failed' | null;

/** A call through the history service, as the app records it; `talkMs` of talk when answered. */
function call(history: ReturnType<typeof createHistoryService>, n: number, remoteNumber: string, direction: 'incoming' | 'outgoing', ending: Ending, localAccount = '1001@pbx.example.jp', talkMs = 0) {
  history.callStarted({ callId: id(n), direction, remoteNumber, remoteName: null, localAccount, sipCallId: null });
  time.advance(3_000);
  if (ending === 'answered') {
    history.callAnswered(id(n));
    time.advance(talkMs);
  }
  if (ending !== null) history.callEnded({ callId: id(n), outcome: ending, reason: null });
  time.advance(60_000);
}

describe('前回通話 (lastCall)', () => {
  it('finds the last call with the number however it was written, skipping the ringing call', () => {
    const history = createHistoryService(db, time.clock);
    call(history, 1, '03-1234-5678', 'outgoing', 'answered', '1001@pbx.example.jp', 95_400);
    call(history, 2, '0399998888', 'incoming', 'answered');
    call(history, 3, 'sip:+81312345678@pbx.example.jp;user=phone', 'incoming', 'missed', '1002@pbx.example.jp');
    call(history, 4, '0312345678', 'incoming', null); // the call ringing now: started, in history
    const cti = service();

    const expected = { startedAt: T0 + 2 * 63_000 + 95_400, direction: 'incoming', kind: 'missed', localAccount: '1002@pbx.example.jp', durationSec: null };
    for (const spelling of ['0312345678', '03-1234-5678', '+81312345678', '+81 3 1234 5678', 'sip:0312345678@pbx.example.jp', '"山田" <sip:+81-3-1234-5678@gw>']) {
      expect(cti.lastCall(spelling, id(4)), spelling).toEqual(expected);
    }
    // Without the exception, the ringing call is the last one.
    expect(cti.lastCall('0312345678')).toMatchObject({ kind: 'incoming', durationSec: null, startedAt: T0 + 3 * 63_000 + 95_400 });
    // The one before: the answered outgoing call, with its talk time.
    db.prepare('DELETE FROM calls WHERE call_id = ?').run(id(3));
    expect(cti.lastCall('0312345678', id(4))).toEqual({ startedAt: T0, direction: 'outgoing', kind: 'outgoing', localAccount: '1001@pbx.example.jp', durationSec: 95 });
  });

  it('reports the kind as the history list computes it (rejected, incoming, interrupted = incoming)', () => {
    const history = createHistoryService(db, time.clock);
    const cti = service();
    call(history, 1, '0311110001', 'incoming', 'rejected');
    expect(cti.lastCall('0311110001')).toMatchObject({ direction: 'incoming', kind: 'rejected' });
    call(history, 2, '0311110002', 'incoming', 'answered', 'a@b', 2_000);
    expect(cti.lastCall('0311110002')).toMatchObject({ kind: 'incoming', durationSec: 2 });
    call(history, 3, '0311110003', 'outgoing', 'cancelled');
    expect(cti.lastCall('0311110003')).toMatchObject({ direction: 'outgoing', kind: 'outgoing', durationSec: null });
    call(history, 4, '0311110004', 'incoming', null);
    history.markInterruptedCalls();
    expect(cti.lastCall('0311110004')).toMatchObject({ kind: 'incoming' });
  });

  it('answers null for an unknown number, no number, or only the ringing call', () => {
    const history = createHistoryService(db, time.clock);
    const cti = service();
    call(history, 1, 'anonymous', 'incoming', 'missed');
    call(history, 2, 'sip:anonymous@anonymous.invalid', 'incoming', 'missed');
    call(history, 3, '0312345678', 'incoming', null);
    expect(cti.lastCall('0300000000')).toBeNull();
    // Withheld callers are not one caller: their calls never match each other.
    expect(cti.lastCall('anonymous')).toBeNull();
    expect(cti.lastCall('')).toBeNull();
    expect(cti.lastCall('0312345678', id(3))).toBeNull();
    // An extension is matched as an extension, not as part of a longer number.
    call(history, 4, '1002', 'incoming', 'answered');
    expect(cti.lastCall('sip:1002@pbx.example.jp')).toMatchObject({ kind: 'incoming' });
    expect(cti.lastCall('100')).toBeNull();
  });

  it('is answered from calls_by_remote_key, without a scan of calls or a sort', () => {
    // Enough history (and planner statistics) that a bad plan would have something to scan.
    const insert = db.prepare(`
      INSERT INTO calls (call_id, direction, outcome, remote_number, local_account, started_at, remote_key, remote_digits)
      VALUES (?, 'incoming', 'missed', ?, 'a@b', ?, ?, ?)`);
    const numbers = Array.from({ length: 500 }, (_, k) => {
      const number = `03${10_000_000 + k}`;
      return { number, ...remoteKeys(number) };
    });
    db.transaction(() => {
      for (let n = 1; n <= 5_000; n++) {
        const { number, remoteKey, remoteDigits } = numbers[n % 500]!;
        insert.run(id(n), number, T0 + n * 1_000, remoteKey, remoteDigits);
      }
    })();
    db.exec('ANALYZE');
    const { db: recorded, log: executed } = recording(db);
    const cti = service(recorded);
    const started = performance.now();
    const found = cti.lastCall('03-1000-0007', id(4_507));
    const elapsed = performance.now() - started;
    expect(found).toMatchObject({ startedAt: T0 + 4_007 * 1_000 });
    expect(elapsed).toBeLessThan(50);
    const run = executed.filter((e: Executed) => /FROM calls/.test(e.sql));
    expect(run).toHaveLength(1);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${run[0]!.sql}`).all(...run[0]!.params) as { detail: string }[]).map((p) => p.detail).join(' | ');
    expect(plan).toMatch(/SEARCH calls USING INDEX calls_by_remote_key \(remote_key=\?\)/);
    expect(plan).not.toMatch(/SCAN calls|TEMP B-TREE/);
  });
});

// ---------------------------------------------------------------------------------------------

const CONTEXT: CtiCallContext = {
  callId: id(9),
  number: '+81312345678',
  name: '山田 & 佐藤 #1',
  called: '1001@pbx.example.jp',
  line: '代表',
  direction: 'incoming',
};

const ctiWith = (urls: Partial<CtiSettings['urls']>, enabled = true): CtiSettings => ({ ...DEFAULT_CTI, enabled, urls: { ...DEFAULT_CTI.urls, ...urls } });

describe('CTI buttons (open)', () => {
  it('fills the saved template of the button with the encoded values and opens it', async () => {
    const opened: string[] = [];
    const cti = service(db, ctiWith({ reception: 'https://crm.example.jp/reception?tel={number}&name={name}&to={called}&line={line}&dir={direction}&call={callId}', customerList: 'https://crm.example.jp/customers' }), async (url) => void opened.push(url));
    expect(await cti.open('reception', CONTEXT)).toEqual({ opened: true });
    expect(opened).toEqual([
      `https://crm.example.jp/reception?tel=%2B81312345678&name=%E5%B1%B1%E7%94%B0%20%26%20%E4%BD%90%E8%97%A4%20%231&to=1001%40pbx.example.jp&line=%E4%BB%A3%E8%A1%A8&dir=incoming&call=${id(9)}`,
    ]);
    expect(await cti.open('customerList', CONTEXT)).toEqual({ opened: true });
    expect(opened[1]).toBe('https://crm.example.jp/customers');
    // No template for this button: nothing to open.
    expect(await cti.open('linkedPhonebook', CONTEXT)).toEqual({ opened: false });
    expect(opened).toHaveLength(2);
  });

  it('opens nothing while CTI is off', async () => {
    const opened: string[] = [];
    const cti = service(db, ctiWith({ reception: 'https://crm.example.jp/r?n={number}' }, false), async (url) => void opened.push(url));
    expect(await cti.open('reception', CONTEXT)).toEqual({ opened: false });
    expect(opened).toEqual([]);
  });

  it('a refused template or value, or a browser that fails, logs the button only — never the URL or the caller', async () => {
    const opened: string[] = [];
    const bad = service(db, ctiWith({ reception: 'https://{name}.example.jp/', customerList: 'https://crm.example.jp/c/{number}/x' }), async (url) => void opened.push(url));
    expect(await bad.open('reception', CONTEXT)).toEqual({ opened: false });
    expect(await bad.open('customerList', { ...CONTEXT, number: '..' })).toEqual({ opened: false });
    expect(opened).toEqual([]);

    const failing = service(db, ctiWith({ reception: 'https://crm.example.jp/r?n={number}&name={name}' }), async (url) => {
      throw new Error(`Failed to open ${url}`);
    });
    expect(await failing.open('reception', CONTEXT)).toEqual({ opened: false });
    expect(log.lines).toHaveLength(3);
    expect(log.lines.filter((l) => /CTI reception/.test(l))).toHaveLength(2);
    expect(log.lines.filter((l) => /CTI customerList/.test(l))).toHaveLength(1);
    for (const line of log.lines) {
      expect(line).not.toMatch(/312345678|山田|%E5|crm\.example\.jp|https?:/);
    }
  });
});
