import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/db/database';
import { createHistoryService } from '../../../src-main/history/history-service';
import { ServiceError } from '../../../src-main/support/service-error';
import { makeTempDir } from '../../support/temp-dir';

let temp: ReturnType<typeof makeTempDir>;
let now = 0;
const clock = { now: () => now };
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const start = (n: number, direction: 'incoming' | 'outgoing' = 'outgoing') => ({
  callId: id(n),
  direction,
  remoteNumber: '1002',
  remoteName: 'Bob',
  localAccount: '1001@lab.test',
  sipCallId: `sip-${n}`,
});

beforeEach(() => {
  temp = makeTempDir();
  now = 1_700_000_000_000;
});
afterEach(() => temp.cleanup());

describe('history service on a real SQLite file', () => {
  it('records an answered call: start, answer, end with talk time', () => {
    const db = openDatabase(join(temp.dir, 'h.sqlite'));
    const history = createHistoryService(db, clock);
    history.callStarted(start(1));
    now += 2_000;
    history.callAnswered(id(1));
    now += 61_500;
    history.callEnded({ callId: id(1), outcome: 'answered', reason: 'bye:local' });
    expect(history.get(id(1))).toMatchObject({
      direction: 'outgoing',
      outcome: 'answered',
      remoteNumber: '1002',
      remoteName: 'Bob',
      startedAt: 1_700_000_000_000,
      answeredAt: 1_700_000_002_000,
      endedAt: 1_700_000_063_500,
      durationSec: 61,
      endReason: 'bye:local',
    });
    db.close();
  });

  it('an unanswered call has no talk time; a second end does not overwrite the first', () => {
    const db = openDatabase(join(temp.dir, 'h.sqlite'));
    const history = createHistoryService(db, clock);
    history.callStarted(start(2, 'incoming'));
    now += 5_000;
    history.callEnded({ callId: id(2), outcome: 'missed', reason: 'cancel' });
    history.callEnded({ callId: id(2), outcome: 'failed', reason: 'late' });
    expect(history.get(id(2))).toMatchObject({ outcome: 'missed', answeredAt: null, durationSec: null, endReason: 'cancel' });
    db.close();
  });

  it('a replayed start keeps one row', () => {
    const db = openDatabase(join(temp.dir, 'h.sqlite'));
    const history = createHistoryService(db, clock);
    history.callStarted(start(3));
    history.callStarted(start(3));
    expect(history.list({ limit: 10 })).toHaveLength(1);
    db.close();
  });

  it('refuses to answer or end an unknown call with not-found', () => {
    const db = openDatabase(join(temp.dir, 'h.sqlite'));
    const history = createHistoryService(db, clock);
    expect(() => history.callAnswered(id(9))).toThrow(ServiceError);
    expect(() => history.callEnded({ callId: id(9), outcome: 'answered', reason: null })).toThrow(/no call/);
    db.close();
  });

  it('a call left open by a crash is marked interrupted on the next start, never lost', () => {
    const file = join(temp.dir, 'h.sqlite');
    const db = openDatabase(file);
    const history = createHistoryService(db, clock);
    history.callStarted(start(4));
    now += 1_000;
    history.callAnswered(id(4));
    history.callStarted(start(5, 'incoming'));
    db.close(); // the app dies here: no end was written

    const reopened = openDatabase(file);
    const after = createHistoryService(reopened, clock);
    expect(after.markInterruptedCalls()).toBe(2);
    // Answered before the crash: the answer time is kept, the unknown end is not invented.
    expect(after.get(id(4))).toMatchObject({ outcome: 'interrupted', endReason: 'app-stopped', answeredAt: 1_700_000_001_000, endedAt: null, durationSec: null });
    expect(after.get(id(5))).toMatchObject({ outcome: 'interrupted', answeredAt: null, endedAt: null, durationSec: null });
    expect(after.markInterruptedCalls()).toBe(0);
    reopened.close();
  });

  it('lists newest first and pages with a keyset cursor', () => {
    const db = openDatabase(join(temp.dir, 'h.sqlite'));
    const history = createHistoryService(db, clock);
    for (let n = 1; n <= 5; n++) {
      now += 1_000;
      history.callStarted(start(n));
    }
    const first = history.list({ limit: 2 });
    expect(first.map((e) => e.callId)).toEqual([id(5), id(4)]);
    const last = first.at(-1)!;
    const second = history.list({ limit: 10, before: { startedAt: last.startedAt, id: last.id } });
    expect(second.map((e) => e.callId)).toEqual([id(3), id(2), id(1)]);
    db.close();
  });
});
