// Migration 007: the CTI webhook outbox, applied with the project's migrate() on top of a
// version-6 database (history upload records waiting in it), its constraints, and the query
// plans of the sender's "oldest due undelivered event".

import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import { migration007WebhookOutbox } from '../../../src-main/db/migrations/007-webhook-outbox';

const planOf = (db: BetterSqlite3.Database, sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((p) => p.detail).join(' | ');

describe('migration 007 webhook outbox', () => {
  it('is version 7, right after 006, and in the index', () => {
    expect(migration007WebhookOutbox.version).toBe(7);
    expect(migrations.indexOf(migration007WebhookOutbox)).toBe(6);
  });

  it('upgrades a version-6 database, leaving calls and queued history records as they were', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, migrations.slice(0, 6));
    db.prepare("INSERT INTO calls (call_id, direction, outcome, remote_number, local_account, started_at) VALUES ('c1', 'incoming', 'missed', '1002', 'a', 5)").run();
    db.prepare("INSERT INTO history_outbox (call_id, payload, created_at, next_attempt_at) VALUES ('c1', '{\"n\":1}', 5, 5)").run();
    const calls = db.prepare('SELECT * FROM calls').all();
    const records = db.prepare('SELECT * FROM history_outbox').all();
    expect(migrate(db, migrations)).toEqual({ from: 6, to: migrations.length });
    expect(db.prepare('SELECT * FROM calls').all()).toEqual(calls);
    expect(db.prepare('SELECT * FROM history_outbox').all()).toEqual(records);
    // Events of calls before the webhooks existed are not invented: the outbox starts empty.
    expect(db.prepare('SELECT count(*) FROM webhook_outbox').pluck().get()).toBe(0);
    const columns = db.prepare('PRAGMA table_info(webhook_outbox)').all() as { name: string; notnull: number; pk: number; dflt_value: string | null }[];
    expect(columns.map((c) => c.name)).toEqual([
      'idempotency_key', 'event', 'payload', 'vars', 'created_at', 'attempts', 'next_attempt_at', 'delivered_at', 'last_error', 'failure_kind',
    ]);
    expect(columns.find((c) => c.name === 'idempotency_key')).toMatchObject({ pk: 1, notnull: 1 });
    expect(columns.find((c) => c.name === 'attempts')).toMatchObject({ notnull: 1, dflt_value: '0' });
    expect(columns.find((c) => c.name === 'delivered_at')).toMatchObject({ notnull: 0 });
    expect((db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'webhook_outbox'").get() as { strict: number }).strict).toBe(1);
    db.close();
  });

  it('keeps one row per call and event, checks its columns, and does not tie the row to the calls row', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    db.prepare("INSERT INTO calls (call_id, direction, outcome, remote_number, local_account, started_at) VALUES ('c1', 'incoming', 'missed', '1002', 'a', 5)").run();
    // As the sender inserts: a repeated key is ignored (a replayed change); a bad row is an error.
    const insert = db.prepare(
      'INSERT INTO webhook_outbox (idempotency_key, event, payload, vars, created_at, next_attempt_at) VALUES (?, ?, ?, ?, 1, 1) ON CONFLICT (idempotency_key) DO NOTHING',
    );
    expect(insert.run('c1:ring', 'ring', '{"n":1}', '{}').changes).toBe(1);
    expect(insert.run('c1:ring', 'ring', '{"n":2}', '{}').changes).toBe(0);
    expect(insert.run('c1:missed', 'missed', '{"n":3}', '{}').changes).toBe(1);
    expect(db.prepare("SELECT payload, attempts FROM webhook_outbox WHERE idempotency_key = 'c1:ring'").get()).toEqual({ payload: '{"n":1}', attempts: 0 });
    expect(() => insert.run('c1:hangup', 'hangup', '{}', '{}')).toThrow(/CHECK/);
    expect(() => insert.run('c2:ring', 'ring', 'not json', '{}')).toThrow(/CHECK/);
    expect(() => insert.run('c3:ring', 'ring', '{}', 'not json')).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE webhook_outbox SET failure_kind = 'bored'").run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE webhook_outbox SET attempts = -1").run()).toThrow(/CHECK/);
    // The user deletes the call from the history: allowed, and its events stay queued.
    expect(db.prepare("DELETE FROM calls WHERE call_id = 'c1'").run().changes).toBe(1);
    expect(db.prepare('SELECT count(*) FROM webhook_outbox').pluck().get()).toBe(2);
    db.close();
  });

  it('serves the oldest due undelivered event of the set webhooks from the partial index, without a sort', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, migrations);
    // The sender's statements (history-outbox.ts createOutboxSender, webhook channel).
    const due = planOf(
      db,
      `SELECT idempotency_key AS key, payload, attempts, event AS "group", vars AS context FROM webhook_outbox INDEXED BY webhook_outbox_pending
       WHERE delivered_at IS NULL AND next_attempt_at <= @now AND event IN (SELECT value FROM json_each(@groups))
       ORDER BY created_at, rowid LIMIT 1`,
      { now: 0, groups: '["ring"]' },
    );
    expect(due).toMatch(/SCAN webhook_outbox USING INDEX webhook_outbox_pending/);
    expect(due).not.toMatch(/TEMP B-TREE/);
    expect(planOf(db, 'SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL')).toMatch(/webhook_outbox_pending/);
    const wake = planOf(db, 'SELECT min(next_attempt_at) FROM webhook_outbox WHERE delivered_at IS NULL AND event IN (SELECT value FROM json_each(@groups))', { groups: '[]' });
    expect(wake).toMatch(/webhook_outbox_pending/);
    db.close();
  });
});
