import type { Migration } from '../migrate';

// The CTI call-webhook outbox (cti/call-webhooks.ts). Each call event (ring, outgoing, answer,
// end, missed) whose webhook is set is written here in the transaction that stores the change
// in calls, so a crash between the two can neither lose the event nor send one for a change
// that was rolled back; the sender (history/history-outbox.ts createOutboxSender, the engine
// of the history upload) POSTs rows oldest first and marks them delivered.
//
// A table of its own rather than more rows in history_outbox:
//  - history_outbox is keyed by call_id (one record per call): a call has up to three events,
//    so sharing it would mean rebuilding a shipped table — and the records waiting in it —
//    to change its primary key;
//  - the two go to different receivers under different settings; in one table an outage of
//    the customer's webhook receiver would stall the history upload behind it (the sender
//    stops a pass at a failing endpoint), and the reverse;
//  - the columns the engine relies on are the same here, so one sender serves both.
//
// idempotency_key is `<callId>:<event>`, sent as the Idempotency-Key header and the primary
// key: a replayed start, answer or end can never queue an event twice.
//
// payload is the JSON body exactly as sent (built from the calls row as it was stored), vars
// the values the URL template is filled with. The URL itself is not stored: it is filled from
// the webhook's current template at each attempt, so fixing a wrong URL in the settings
// redirects the events still waiting, as a fixed upload URL does for the history upload.
//
// No foreign key to calls, for the reason 006 gives: deleting a call from the history must
// neither fail nor drop an event not delivered yet.
export const migration007WebhookOutbox: Migration = {
  version: 7,
  name: 'webhook-outbox',
  up(db) {
    db.exec(`
      CREATE TABLE webhook_outbox (
        idempotency_key  TEXT    PRIMARY KEY NOT NULL,
        event            TEXT    NOT NULL CHECK (event IN ('ring', 'answer', 'end', 'missed', 'outgoing')),
        payload          TEXT    NOT NULL CHECK (json_valid(payload)),
        vars             TEXT    NOT NULL CHECK (json_valid(vars)),
        created_at       INTEGER NOT NULL,
        attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at  INTEGER NOT NULL,
        delivered_at     INTEGER,
        last_error       TEXT,
        failure_kind     TEXT    CHECK (failure_kind IN ('network', 'server', 'rejected'))
      ) STRICT;
      -- As history_outbox_pending: the oldest due undelivered event, in (created_at, rowid)
      -- order, so a receiver gets ring before answer before end; partial, so delivered rows
      -- cost it nothing.
      CREATE INDEX webhook_outbox_pending ON webhook_outbox (created_at) WHERE delivered_at IS NULL;
    `);
  },
};
