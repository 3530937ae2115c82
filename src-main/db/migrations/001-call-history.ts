import type { Migration } from '../migrate';

// Call history. A row is written when a call starts (outcome NULL) and completed when it ends,
// so a crash mid-call leaves a row that the next start marks 'interrupted' instead of losing it.
export const migration001CallHistory: Migration = {
  version: 1,
  name: 'call-history',
  up(db) {
    db.exec(`
      CREATE TABLE calls (
        id             INTEGER PRIMARY KEY,
        call_id        TEXT    NOT NULL UNIQUE,
        sip_call_id    TEXT,
        direction      TEXT    NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
        outcome        TEXT    CHECK (outcome IN ('answered', 'missed', 'rejected', 'cancelled', 'failed', 'interrupted')),
        remote_number  TEXT    NOT NULL,
        remote_name    TEXT,
        local_account  TEXT    NOT NULL,
        started_at     INTEGER NOT NULL,
        answered_at    INTEGER,
        ended_at       INTEGER,
        duration_sec   INTEGER,
        end_reason     TEXT
      ) STRICT;
      -- The history list pages newest-first with a (started_at, id) keyset cursor.
      CREATE INDEX calls_by_start ON calls (started_at DESC, id DESC);
      -- Start-up looks for calls left open by a crash; a partial index keeps that instant.
      CREATE INDEX calls_open ON calls (id) WHERE outcome IS NULL;
    `);
  },
};
