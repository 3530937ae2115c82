// The history database under hostile conditions, on real files and real processes: a writer
// SIGKILLed again and again in the middle of 1,000 calls (nothing acknowledged may be lost, no
// row may be half written), a damaged file (kept byte for byte, replaced by a fresh one, the
// user told), a file another process keeps locked, and one from a newer version (both refused
// and left untouched).

import BetterSqlite3 from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME } from '../../../src-main/app/main-services';
import { DatabaseLockedError, openAppDatabase, openDatabase } from '../../../src-main/db/database';
import { DatabaseTooNewError } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import { createHistoryService } from '../../../src-main/history/history-service';
import { rng } from '../../bench/seed';
import { createTestMainServices, quietLog } from '../../support/main-services';
import { makeTempDir } from '../../support/temp-dir';
import { historyPlan, PLAN_CALLS, planCallId, stepTime, type PlanStep } from './fixtures/history-plan';

let temp: ReturnType<typeof makeTempDir>;
const cleanups: (() => void)[] = [];
beforeEach(() => {
  temp = makeTempDir('tsunagu-durability-');
});
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  temp.cleanup();
});

const NOW = Date.UTC(2025, 4, 6, 9, 30, 15, 250);
const KEPT_SUFFIX = '.corrupt-2025-05-06T09-30-15-250Z';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const filesIn = (dir: string) => readdirSync(dir).sort();

function recordingLog() {
  const warnings: string[] = [];
  return { warnings, log: { ...quietLog, warn: (message: string) => void warnings.push(message) } };
}

// ---------------------------------------------------------------------------------------------
// SIGKILL during 1,000 history writes.

interface WriterRun {
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

type KillAt = { on: 'opening' } | { on: 'progress'; step: number } | null;

const REPO = resolve(import.meta.dirname, '../../..');

/** One life of the writer: from `from` on, SIGKILLed (after a random 0–3 ms more) once it
 *  reaches the kill point, or run to the end when there is none. */
function runWriter(file: string, from: number, cheap: boolean, killAt: KillAt, random: () => number): Promise<WriterRun> {
  const args = ['--import', 'tsx', join(import.meta.dirname, 'fixtures/history-writer.ts'), file, String(from), ...(cheap ? ['cheap'] : [])];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => child.kill('SIGKILL'));
  const run: WriterRun = { lines: [], signal: null, code: null, stderr: '' };
  let partial = '';
  let killScheduled = false;
  const scheduleKill = () => {
    if (killScheduled) return;
    killScheduled = true;
    setTimeout(() => child.kill('SIGKILL'), Math.floor(random() * 4));
  };
  child.stdout.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      run.lines.push(line);
      if (killAt?.on === 'opening' && line === 'opening') scheduleKill();
      if (killAt?.on === 'progress' && /^(ack|skip) /.test(line) && Number(line.split(' ')[1]) >= killAt.step) scheduleKill();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return new Promise((ok) =>
    child.once('close', (code, signal) => {
      run.code = code;
      run.signal = signal;
      ok(run);
    }),
  );
}

interface CallRow {
  call_id: string;
  direction: string;
  outcome: string | null;
  remote_number: string;
  remote_name: string | null;
  sip_call_id: string | null;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  duration_sec: number | null;
  end_reason: string | null;
}

describe('SIGKILL during 1,000 history writes', () => {
  it('loses no acknowledged step and leaves no torn row, over 5 kills at random points', { timeout: 300_000 }, async () => {
    const file = join(temp.dir, DATABASE_FILE_NAME);
    const plan = historyPlan();
    // DURABILITY_SEED=<n> replays a run (the seed is in every failure message).
    const seed = Number(process.env.DURABILITY_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const context = `(seed ${seed})`;
    expect(plan.filter((s) => s.kind === 'start')).toHaveLength(PLAN_CALLS);

    // Four kills at random steps, one at a random moment of a start-up (while it opens, checks,
    // migrates or marks the interrupted calls).
    const KILLS = 5;
    const progressKills = Array.from({ length: KILLS - 1 }, () => 20 + Math.floor(random() * (plan.length - 200))).sort((a, b) => a - b);
    const killPoints: KillAt[] = progressKills.map((step) => ({ on: 'progress', step }));
    killPoints.splice(1 + Math.floor(random() * (KILLS - 1)), 0, { on: 'opening' });

    // What the children acknowledged, and what each start reported as cut off.
    const ackedAt = new Map<number, PlanStep>();
    const skipped = new Set<number>();
    const startedAcked = new Set<string>();
    const endedAcked = new Set<string>();
    let knownCutOff = new Set<string>();
    /** Set after a life that performed steps and was killed: what was open, and the one step that may have
     *  committed without its ack. */
    let afterKill: { open: Set<string>; inFlight: PlanStep | undefined } | null = null;
    let from = 0;
    const began = performance.now();
    const lives: { from: number; to: number; killed: boolean; killAt: string; started: boolean }[] = [];

    for (let life = 0; life <= KILLS; life++) {
      const killAt = life < KILLS ? killPoints[life]! : null;
      const run = await runWriter(file, from, life % 2 === 1, killAt, random);
      const where = `${context} life ${life} from ${from}: ${run.stderr}`;
      expect(run.lines.filter((l) => l.startsWith('recovered')), where).toEqual([]);
      if (killAt) expect(run.signal, where).toBe('SIGKILL');
      else expect({ code: run.code, last: run.lines.at(-1) }, where).toEqual({ code: 0, last: 'done' });

      let last = from - 1;
      let cutOff: Set<string> | null = null;
      for (const line of run.lines) {
        const [word, rest] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
        if (word === 'interrupted') {
          cutOff = new Set(JSON.parse(rest.slice(rest.indexOf(' ') + 1)) as string[]);
          // The calls this start marked: exactly those open at the last kill, give or take the
          // one step in flight when it struck.
          if (afterKill) {
            const marked = [...cutOff].filter((c) => !knownCutOff.has(c));
            const may = new Set(afterKill.open);
            if (afterKill.inFlight?.kind === 'start') may.add(afterKill.inFlight.callId);
            const must = [...afterKill.open].filter((c) => !(afterKill!.inFlight?.kind === 'end' && afterKill!.inFlight.callId === c));
            expect(marked.filter((c) => !may.has(c)), where).toEqual([]);
            expect(must.filter((c) => !cutOff!.has(c)), where).toEqual([]);
          }
          for (const c of knownCutOff) expect(cutOff.has(c), where).toBe(true);
          knownCutOff = cutOff;
          afterKill = null;
        } else if (word === 'ack' || word === 'skip') {
          const k = Number(rest);
          expect(k, where).toBe(last + 1);
          last = k;
          const step = plan[k]!;
          if (word === 'skip') {
            expect(knownCutOff.has(step.callId), where).toBe(true);
            skipped.add(k);
            continue;
          }
          expect(knownCutOff.has(step.callId), where).toBe(false);
          ackedAt.set(k, step);
          if (step.kind === 'start') startedAcked.add(step.callId);
          if (step.kind === 'end') endedAcked.add(step.callId);
        }
      }
      if (killAt && cutOff) {
        // This life got past its start: the next start must mark what is open now.
        const open = new Set([...startedAcked].filter((c) => !endedAcked.has(c) && !knownCutOff.has(c)));
        const inFlight = plan.slice(last + 1).find((s) => !knownCutOff.has(s.callId));
        afterKill = { open, inFlight };
      }
      lives.push({ from, to: last, started: cutOff !== null, killed: killAt !== null, killAt: killAt === null ? 'none' : killAt.on === 'opening' ? 'start-up' : `step ${killAt.step}` });
      from = last + 1;
    }
    const elapsedMs = Math.round(performance.now() - began);
    expect(from).toBe(plan.length);

    // The database as the next start finds it.
    const opened = openAppDatabase(file, { now: () => stepTime(plan.length + 10) });
    cleanups.push(() => opened.db.close());
    expect(opened.recoveredFrom).toBeNull();
    const db = opened.db;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(createHistoryService(db, { now: () => stepTime(plan.length + 10) }).markInterruptedCalls()).toBe(0);
    const rows = new Map((db.prepare('SELECT * FROM calls').all() as CallRow[]).map((r) => [r.call_id, r]));
    expect(rows.size).toBe(PLAN_CALLS);

    // Zero lost: every acknowledged step is in the file, exactly as performed.
    for (const [k, step] of ackedAt) {
      const row = rows.get(step.callId)!;
      if (step.kind === 'start') {
        expect(row, `step ${k}`).toMatchObject({
          started_at: stepTime(k),
          direction: step.call.direction,
          remote_number: step.call.remoteNumber,
          remote_name: step.call.remoteName,
          sip_call_id: step.call.sipCallId,
        });
      } else if (step.kind === 'answer') {
        expect(row.answered_at, `step ${k}`).toBe(stepTime(k));
      } else {
        expect(row, `step ${k}`).toMatchObject({ outcome: step.ended.outcome, end_reason: step.ended.reason, ended_at: stepTime(k) });
      }
    }
    // Every call either completed as planned or was cut off by a kill and marked so.
    const finalCutOff = new Set([...rows.values()].filter((r) => r.outcome === 'interrupted').map((r) => r.call_id));
    expect([...finalCutOff].sort()).toEqual([...knownCutOff].sort());
    for (const k of skipped) expect(finalCutOff.has(plan[k]!.callId)).toBe(true);
    for (const step of plan) {
      if (step.kind === 'end' && !finalCutOff.has(step.callId)) expect(endedAcked.has(step.callId)).toBe(true);
    }

    // Zero torn: every row is a whole call, by the table's own invariants.
    const torn = db
      .prepare(
        `SELECT call_id FROM calls WHERE
           outcome IS NULL
        OR (outcome = 'interrupted' AND (ended_at IS NOT NULL OR duration_sec IS NOT NULL OR end_reason IS NOT 'app-stopped'))
        OR (outcome <> 'interrupted' AND ended_at IS NULL)
        OR (outcome <> 'interrupted' AND ((duration_sec IS NULL) <> (answered_at IS NULL)))
        OR ((outcome = 'answered') <> (answered_at IS NOT NULL) AND outcome <> 'interrupted')
        OR (duration_sec IS NOT NULL AND duration_sec <> (ended_at - answered_at) / 1000)
        OR ended_at < started_at OR answered_at < started_at OR ended_at < answered_at`,
      )
      .pluck()
      .all();
    expect(torn).toEqual([]);
    // The upload record of each end committed with it: one per completed or interrupted call.
    const outbox = db.prepare('SELECT call_id, payload FROM history_outbox').all() as { call_id: string; payload: string }[];
    expect(outbox).toHaveLength(PLAN_CALLS);
    for (const { call_id, payload } of outbox) expect((JSON.parse(payload) as { outcome: string }).outcome).toBe(rows.get(call_id)!.outcome);

    console.log(
      `[durability] ${PLAN_CALLS} calls, ${plan.length} steps (${ackedAt.size} acknowledged, ${skipped.size} skipped as cut off), ` +
        `${KILLS} SIGKILLs, ${finalCutOff.size} calls interrupted, ${elapsedMs} ms in all ${context}\n` +
        lives.map((l, i) => `  life ${i}: ${l.started ? `started, ${l.to >= l.from ? `steps ${l.from}..${l.to}` : 'no step'}` : 'start-up not finished'}${l.killed ? `, killed at ${l.killAt}` : ', ran to the end'}`).join('\n'),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A damaged file.

/** A real app database with `calls` ended calls in it, closed cleanly (no -wal left). */
function realDatabase(file: string, calls: number): void {
  const db = openDatabase(file);
  db.pragma('synchronous = OFF'); // only to seed quickly
  let now = NOW - 86_400_000;
  const history = createHistoryService(db, { now: () => now });
  for (let n = 1; n <= calls; n++) {
    history.callStarted({ callId: planCallId(n), direction: 'incoming', remoteNumber: `0312345${n}`, remoteName: `名前 ${n}`.repeat(4), localAccount: '1001@lab.test', sipCallId: null });
    now += 1000;
    history.callEnded({ callId: planCallId(n), outcome: 'missed', reason: 'cancel' });
  }
  db.close();
}

describe('a damaged database', () => {
  const variants: { name: string; make: (file: string) => void; database?: { quickCheckMaxBytes: number } }[] = [
    {
      name: 'garbage bytes (not a database)',
      make: (file) => {
        const random = rng(3);
        writeFileSync(file, Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.floor(random() * 256))));
      },
    },
    {
      name: 'a real database truncated to half (full quick_check)',
      make: (file) => {
        realDatabase(file, 2_000);
        truncateSync(file, Math.floor(statSync(file).size / 2));
      },
    },
    {
      name: 'a real database truncated to half (cheap check of a large file)',
      database: { quickCheckMaxBytes: 0 },
      make: (file) => {
        realDatabase(file, 2_000);
        truncateSync(file, Math.floor(statSync(file).size / 2));
      },
    },
    {
      name: 'a real database with a page of the calls table overwritten',
      make: (file) => {
        realDatabase(file, 2_000);
        const bytes = readFileSync(file);
        const pageSize = bytes.readUInt16BE(16);
        const db = new BetterSqlite3(file, { readonly: true });
        const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'calls'").pluck().get() as number;
        db.close();
        bytes.fill(0x5a, (root - 1) * pageSize, root * pageSize);
        writeFileSync(file, bytes);
      },
    },
    {
      name: 'a header with an impossible page size',
      make: (file) => {
        realDatabase(file, 10);
        const bytes = readFileSync(file);
        bytes.writeUInt16BE(1000, 16);
        writeFileSync(file, bytes);
      },
    },
  ];

  for (const variant of variants) {
    it(`${variant.name}: kept byte for byte, a fresh database in use, the user told`, () => {
      const file = join(temp.dir, DATABASE_FILE_NAME);
      variant.make(file);
      const before = filesIn(temp.dir).filter((f) => f.startsWith(DATABASE_FILE_NAME));
      const hashes = new Map(before.map((f) => [f, sha256(join(temp.dir, f))]));
      const { warnings, log } = recordingLog();

      const services = createTestMainServices(temp.dir, { clock: { now: () => NOW }, log, ...(variant.database ? { database: variant.database } : {}) });
      cleanups.push(() => services.close());

      const kept = `${file}${KEPT_SUFFIX}`;
      expect(services.databaseRecoveredFrom).toBe(kept);
      for (const [name, hash] of hashes) expect(sha256(join(temp.dir, name.replace(DATABASE_FILE_NAME, basename(kept))))).toBe(hash);
      expect(services.settings.view().databaseRecoveredFrom).toBe(basename(kept));
      expect(warnings.some((w) => w.includes(kept))).toBe(true);

      // Empty and usable; the next start is a normal one.
      expect(services.history.list({ limit: 10 })).toEqual([]);
      services.history.callStarted({ callId: planCallId(1), direction: 'outgoing', remoteNumber: '0311112222', remoteName: null, localAccount: '1001@lab.test', sipCallId: null });
      services.history.callEnded({ callId: planCallId(1), outcome: 'cancelled', reason: 'cancel' });
      services.close();
      cleanups.pop();
      const again = createTestMainServices(temp.dir, { clock: { now: () => NOW + 60_000 } });
      cleanups.push(() => again.close());
      expect(again.databaseRecoveredFrom).toBeNull();
      expect(again.settings.view().databaseRecoveredFrom).toBeNull();
      expect(again.history.list({ limit: 10 }).map((e) => e.outcome)).toEqual(['cancelled']);
      expect(sha256(kept)).toBe(hashes.get(DATABASE_FILE_NAME));
    });
  }

  it('a truncated database with its WAL: both kept, under matching names', () => {
    const file = join(temp.dir, DATABASE_FILE_NAME);
    realDatabase(file, 2_000);
    // A crash left the WAL holding the latest commits; then the main file lost its second half.
    const live = openDatabase(file);
    live.pragma('wal_autocheckpoint = 0');
    createHistoryService(live, { now: () => NOW }).callStarted({ callId: planCallId(9_999), direction: 'incoming', remoteNumber: '0300000000', remoteName: null, localAccount: '1001@lab.test', sipCallId: null });
    const main = readFileSync(file);
    const wal = readFileSync(`${file}-wal`);
    live.close();
    writeFileSync(file, main.subarray(0, Math.floor(main.length / 2)));
    writeFileSync(`${file}-wal`, wal);
    const mainHash = sha256(file);
    const walHash = sha256(`${file}-wal`);

    const services = createTestMainServices(temp.dir, { clock: { now: () => NOW } });
    cleanups.push(() => services.close());
    const kept = `${file}${KEPT_SUFFIX}`;
    expect(services.databaseRecoveredFrom).toBe(kept);
    expect(sha256(kept)).toBe(mainHash);
    expect(sha256(`${kept}-wal`)).toBe(walHash);
    expect(services.history.list({ limit: 10 })).toEqual([]);
  });

  it('a zero-length file is an empty database, not damage: nothing to keep, no notice', () => {
    const file = join(temp.dir, DATABASE_FILE_NAME);
    writeFileSync(file, '');
    const services = createTestMainServices(temp.dir, { clock: { now: () => NOW } });
    cleanups.push(() => services.close());
    expect(services.databaseRecoveredFrom).toBeNull();
    expect(services.settings.view().databaseRecoveredFrom).toBeNull();
    expect(filesIn(temp.dir).filter((f) => f.includes('.corrupt-'))).toEqual([]);
    expect(services.history.list({ limit: 10 })).toEqual([]);
  });

  it('a healthy database is opened as it is, on both check paths', () => {
    const file = join(temp.dir, DATABASE_FILE_NAME);
    realDatabase(file, 50);
    for (const quickCheckMaxBytes of [undefined, 0]) {
      const opened = openAppDatabase(file, { now: () => NOW, ...(quickCheckMaxBytes === undefined ? {} : { quickCheckMaxBytes }) });
      expect(opened.recoveredFrom).toBeNull();
      expect(opened.db.prepare('SELECT count(*) FROM calls').pluck().get()).toBe(50);
      opened.db.close();
    }
  });

  it('a second damage at the same millisecond keeps both copies', () => {
    const file = join(temp.dir, DATABASE_FILE_NAME);
    writeFileSync(file, 'not a database, take one'.repeat(100));
    openAppDatabase(file, { now: () => NOW }).db.close();
    writeFileSync(file, 'not a database, take two'.repeat(100));
    const second = openAppDatabase(file, { now: () => NOW });
    second.db.close();
    expect(second.recoveredFrom).toBe(`${file}${KEPT_SUFFIX}-1`);
    expect(readFileSync(`${file}${KEPT_SUFFIX}`, 'utf8')).toContain('take one');
    expect(readFileSync(`${file}${KEPT_SUFFIX}-1`, 'utf8')).toContain('take two');
  });
});

// ---------------------------------------------------------------------------------------------
// Locked, or from a newer version: refused, untouched.

describe('a database that is not ours to change', () => {
  function lockedBy(file: string, how: 'writer' | 'exclusive-mode') {
    realDatabase(file, 20);
    const other = new BetterSqlite3(file);
    cleanups.push(() => other.close());
    if (how === 'exclusive-mode') {
      // A tool that opened it with locking_mode = EXCLUSIVE: not even reads get in.
      other.pragma('locking_mode = EXCLUSIVE');
      other.exec("BEGIN EXCLUSIVE; UPDATE calls SET remote_name = 'x' WHERE id = 1; COMMIT");
    } else {
      // Another process in the middle of a write transaction (WAL: readers still get in).
      other.exec("BEGIN EXCLUSIVE; UPDATE calls SET remote_name = 'x' WHERE id = 1");
    }
    return other;
  }

  for (const how of ['writer', 'exclusive-mode'] as const) {
    it(`locked (${how}): DatabaseLockedError after the busy timeout, nothing moved or changed`, () => {
      const file = join(temp.dir, DATABASE_FILE_NAME);
      lockedBy(file, how);
      const hash = sha256(file);
      const files = filesIn(temp.dir);

      const began = performance.now();
      expect(() => openAppDatabase(file, { now: () => NOW, busyTimeoutMs: 150 })).toThrow(DatabaseLockedError);
      expect(performance.now() - began).toBeGreaterThanOrEqual(140);
      expect(() => createTestMainServices(temp.dir, { clock: { now: () => NOW }, database: { busyTimeoutMs: 150 } })).toThrow(DatabaseLockedError);

      expect(sha256(file)).toBe(hash);
      expect(filesIn(temp.dir).filter((f) => f.includes('.corrupt-'))).toEqual([]);
      expect(filesIn(temp.dir).filter((f) => f.startsWith(DATABASE_FILE_NAME))).toEqual(files.filter((f) => f.startsWith(DATABASE_FILE_NAME)));
    });
  }

  it('once the other process lets go, it opens normally', () => {
    const file = join(temp.dir, DATABASE_FILE_NAME);
    const other = lockedBy(file, 'writer');
    expect(() => openAppDatabase(file, { now: () => NOW, busyTimeoutMs: 50 })).toThrow(DatabaseLockedError);
    other.exec('ROLLBACK');
    const opened = openAppDatabase(file, { now: () => NOW, busyTimeoutMs: 50 });
    expect(opened.recoveredFrom).toBeNull();
    expect(opened.db.prepare('SELECT count(*) FROM calls').pluck().get()).toBe(20);
    opened.db.close();
  });

  for (const mode of ['delete', 'wal'] as const) {
    it(`a newer version's database (journal_mode ${mode}) is refused with DatabaseTooNewError, not treated as damage, and left byte for byte`, () => {
      const file = join(temp.dir, DATABASE_FILE_NAME);
      const future = new BetterSqlite3(file);
      future.pragma(`journal_mode = ${mode}`);
      future.exec('CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES (1)');
      future.pragma(`user_version = ${migrations.length + 5}`);
      future.close();
      const hash = sha256(file);

      expect(() => openAppDatabase(file, { now: () => NOW })).toThrow(DatabaseTooNewError);
      expect(() => createTestMainServices(temp.dir, { clock: { now: () => NOW } })).toThrow(DatabaseTooNewError);
      expect(sha256(file)).toBe(hash);
      expect(filesIn(temp.dir).filter((f) => f.includes('.corrupt-'))).toEqual([]);
      expect(existsSync(`${file}${KEPT_SUFFIX}`)).toBe(false);
    });
  }

  it("a newer version's database whose schema this SQLite cannot parse (reported as SQLITE_CORRUPT) is still refused as too new, not set aside", () => {
    const file = join(temp.dir, DATABASE_FILE_NAME);
    const future = new BetterSqlite3(file);
    future.exec('CREATE TABLE from_the_future (x INTEGER) STRICT');
    future.pragma(`user_version = ${migrations.length + 1}`);
    future.close();
    // Stands in for SQL a later SQLite accepts and this one does not: an unknown table option.
    const bytes = readFileSync(file);
    bytes.write(') STRICX', bytes.indexOf(') STRICT'));
    writeFileSync(file, bytes);
    const probe = new BetterSqlite3(file, { readonly: true });
    expect(() => probe.prepare('SELECT name FROM sqlite_schema').all()).toThrow(expect.objectContaining({ code: 'SQLITE_CORRUPT' }));
    probe.close();
    const hash = sha256(file);

    for (const quickCheckMaxBytes of [undefined, 0]) {
      expect(() => openAppDatabase(file, { now: () => NOW, ...(quickCheckMaxBytes === undefined ? {} : { quickCheckMaxBytes }) })).toThrow(DatabaseTooNewError);
    }
    expect(() => createTestMainServices(temp.dir, { clock: { now: () => NOW } })).toThrow(DatabaseTooNewError);
    expect(sha256(file)).toBe(hash);
    expect(filesIn(temp.dir).filter((f) => f.includes('.corrupt-'))).toEqual([]);
  });
});
