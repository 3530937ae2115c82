import type { Migration } from '../migrate';

// The history upload outbox (発着信履歴のクラウド管理). When a call's end is stored, the record
// to upload is written here in the same transaction, so a crash, a power cut or a week
// offline cannot lose it; the uploader (history/history-outbox.ts) POSTs rows and marks them
// delivered. call_id is the idempotency key the server dedupes on, and the primary key here,
// so a replayed end can never queue a record twice.
//
// payload is the JSON body exactly as it will be sent, built from the final stored calls row:
// what is uploaded is what was true when the call ended, whatever happens to the row later.
//
// No foreign key to calls.call_id, on purpose. The app runs with foreign_keys = ON and the
// user can delete history rows (history-query.ts deleteRows): a plain REFERENCES would make
// that delete fail for every call ever queued, and ON DELETE CASCADE would silently drop a
// record that was not uploaded yet ("nothing is lost"). The payload is self-contained, so the
// outbox row does not need its calls row. Delivered rows are pruned by the uploader after a
// retention period.
//
// failure_kind says what the last failed attempt ran into, which decides what a kick() may
// cut short: 'network' (no connection, timeout: worth retrying as soon as the network is
// back), 'server' (5xx/408/429: the server asked us to wait), 'rejected' (401/403/other 4xx,
// a refused endpoint: waits for the capped delay or a changed endpoint).
export const migration006HistoryOutbox: Migration = {
  version: 6,
  name: 'history-outbox',
  up(db) {
    db.exec(`
      CREATE TABLE history_outbox (
        call_id          TEXT    PRIMARY KEY NOT NULL,
        payload          TEXT    NOT NULL CHECK (json_valid(payload)),
        created_at       INTEGER NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at  INTEGER NOT NULL,
        delivered_at     INTEGER,
        last_error       TEXT,
        failure_kind     TEXT    CHECK (failure_kind IN ('network', 'server', 'rejected'))
      ) STRICT;
      -- The sender's "oldest due undelivered record" walks this in (created_at, rowid) order —
      -- the rowid rides in every index entry, so calls ended in the same millisecond keep their
      -- order — and stops at the first due row; pending() counts it; the next wake-up is the
      -- min(next_attempt_at) of its rows. Partial: delivered rows, nearly all of them, cost it
      -- nothing, and the pending ones are few.
      CREATE INDEX history_outbox_pending ON history_outbox (created_at) WHERE delivered_at IS NULL;
    `);
  },
};
