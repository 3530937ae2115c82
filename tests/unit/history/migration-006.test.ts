// Migration 006: the history upload outbox, applied with the project's migrate() on top of a
// version-5 database, its constraints, and the query plan of the uploader's "oldest due
// undelivered record".

import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import { migration006HistoryOutbox } from '../../../src-main/db/migrations/006-history-outbox';

describe('migration 006 history outbox', () => {
  it('is version 6, right after 005, and in the index', () => {
    expect(migration006HistoryOutbox.version).toBe(6);
    expect(migrations.indexOf(migration006HistoryOutbox)).toBe(5);
  });

  it('upgrades a version-5 database with calls in it, leaving them as they were', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, migrations.slice(0, 5));
    db.prepare("INSERT INTO calls (call_id, direction, outcome, remote_number, local_account, started_at) VALUES ('c1', 'incoming', 'missed', '1002', 'a', 5)").run();
    const before = db.prepare('SELECT * FROM calls').all();
    expect(migrate(db, migrations)).toEqual({ from: 5, to: migrations.length });
    expect(db.prepare('SELECT * FROM calls').all()).toEqual(before);
    // Calls that ended before the upload existed are not queued: the outbox starts empty.
    expect(db.prepare('SELECT count(*) FROM history_outbox').pluck().get()).toBe(0);
    const columns = db.prepare('PRAGMA table_info(history_outbox)').all() as { name: string; notnull: number; pk: number; dflt_value: string | null }[];
    expect(columns.map((c) => c.name)).toEqual(['call_id', 'payload', 'created_at', 'attempts', 'next_attempt_at', 'delivered_at', 'last_error', 'failure_kind']);
    expect(columns.find((c) => c.name === 'call_id')).toMatchObject({ pk: 1, notnull: 1 });
    expect(columns.find((c) => c.name === 'attempts')).toMatchObject({ notnull: 1, dflt_value: '0' });
    expect(columns.find((c) => c.name === 'delivered_at')).toMatchObject({ notnull: 0 });
    expect((db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'history_outbox'").get() as { strict: number }).strict).toBe(1);
    db.close();
  });

  it('keeps one row per call, checks its columns, and does not tie the row to the calls row', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    db.prepare("INSERT INTO calls (call_id, direction, outcome, remote_number, local_account, started_at) VALUES ('c1', 'incoming', 'missed', '1002', 'a', 5)").run();
    const insert = db.prepare('INSERT OR IGNORE INTO history_outbox (call_id, payload, created_at, next_attempt_at) VALUES (?, ?, 1, 1)');
    expect(insert.run('c1', '{"n":1}').changes).toBe(1);
    expect(insert.run('c1', '{"n":2}').changes).toBe(0);
    expect(db.prepare("SELECT payload, attempts FROM history_outbox WHERE call_id = 'c1'").get()).toEqual({ payload: '{"n":1}', attempts: 0 });
    expect(() => db.prepare("INSERT INTO history_outbox (call_id, payload, created_at, next_attempt_at) VALUES ('c2', 'not json', 1, 1)").run()).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO history_outbox (call_id, payload, created_at, next_attempt_at) VALUES ('c3', '{}', 'soon', 1)").run()).toThrow(/INTEGER/);
    expect(() => db.prepare("UPDATE history_outbox SET failure_kind = 'bored'").run()).toThrow(/CHECK/);
    // The user deletes the call from the history: allowed, and its record stays queued.
    expect(db.prepare("DELETE FROM calls WHERE call_id = 'c1'").run().changes).toBe(1);
    expect(db.prepare('SELECT count(*) FROM history_outbox').pluck().get()).toBe(1);
    db.close();
  });

  it('serves the oldest due undelivered record from the partial index, without a sort', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, migrations);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT call_id, payload, attempts FROM history_outbox INDEXED BY history_outbox_pending
         WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY created_at, rowid LIMIT 1`,
      )
      .all(0) as { detail: string }[];
    const details = plan.map((p) => p.detail).join(' | ');
    expect(details).toMatch(/SCAN history_outbox USING INDEX history_outbox_pending/);
    expect(details).not.toMatch(/TEMP B-TREE/);
    const count = (db.prepare('EXPLAIN QUERY PLAN SELECT count(*) FROM history_outbox WHERE delivered_at IS NULL').all() as { detail: string }[])
      .map((p) => p.detail)
      .join(' | ');
    expect(count).toMatch(/history_outbox_pending/);
    db.close();
  });
});
