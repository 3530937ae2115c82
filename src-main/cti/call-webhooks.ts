// CTI call webhooks: while CTI is on, each call event whose webhook URL is set is POSTed as JSON
// to the customer's own receiver (their CRM, a ticketing or logging system).
//
//   outgoing  an outgoing call started (dialling)
//   ring      an incoming call started ringing
//   answer    a call was answered (either direction)
//   end       an answered call ended, and any outgoing call ended (outcome says how)
//   missed    an incoming call ended without being answered here: missed, rejected (拒否),
//             cancelled, failed, or interrupted by a crash before it was answered
//
// So every call gets exactly one closing event after its opening one, and a receiver can close
// what it opened. A rejected call is 'missed', not 'end': nobody talked to the caller, and a
// CRM's call-back list is what needs it; `outcome: 'rejected'` tells it apart. A call the app
// was cut off from (crash, power loss) closes with outcome 'interrupted' when the app next
// starts: 'end' if it had been answered or was outgoing, 'missed' otherwise.
//
// Durability and delivery are the history upload's (history/history-outbox.ts): the event is
// written to webhook_outbox (migration 007) in the transaction that stores the change in calls
// (history-service.ts CallEventSink), then delivered by the same engine — at least once,
// oldest first, Idempotency-Key `<callId>:<event>`, backoff 5 s → 15 min, Retry-After, never
// dropped. All webhooks share one queue and one retry schedule: they normally point at one
// receiver, and one queue keeps the order a receiver sees (ring, answer, end) even across an
// outage; the price is that one failing receiver holds back the others' events too.
//
// No credentials are sent. The receiver is the customer's own system, not ours, and the SIP or
// phonebook passwords have no business there; a receiver that wants to know the sender can put
// a long random token in the URL's path or query (https keeps it off the wire, and the URL is
// never logged). The URL is a CTI template: its placeholders are filled with the same inert,
// percent-encoded values as the CTI buttons (url-template.ts), from the values frozen when the
// event was queued, into the webhook's template as it is at each attempt.

import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { ctiTemplateProblem, type CtiEvent, type CtiPlaceholder, type CtiSettings } from '../../src-preload/contract';
import {
  checkEndpointUrl,
  createOutboxSender,
  UploadEndpointError,
  type OutboxCallRow,
  type OutboxRow,
  type OutboxSenderTuning,
  type OutboxStatus,
  type OutboxTable,
} from '../history/history-outbox';
import type { CallChange, CallEventSink } from '../history/history-service';
import type { Logger } from '../support/log';
import type { Clock } from '../support/service-error';
import { fillCtiTemplate } from './url-template';

export const CALL_EVENT_SCHEMA = 'tsunagu.call-event/1';

/** The body of one webhook POST. Times are ISO 8601 UTC with milliseconds; null where not (yet)
 *  known. Version 1 may gain fields (receivers ignore what they do not know); renaming,
 *  removing or changing the meaning of one makes a version 2. */
export interface CallEventV1 {
  schema: typeof CALL_EVENT_SCHEMA;
  event: CtiEvent;
  callId: string;
  direction: 'outgoing' | 'incoming';
  /** The other party's number as dialled or received. */
  number: string;
  /** The caller's name: the personal phonebook's, else the SIP display name; null if none. */
  name: string | null;
  /** The SIP account (user@domain) the call was made or taken on. */
  localAccount: string;
  /** When this event happened. */
  at: string;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSec: number | null;
  /** null until the call has ended ('end' and 'missed' only). */
  outcome: OutboxCallRow['outcome'];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The event a change of a call's row is (see the table at the top). */
export function callEventFor(change: CallChange, row: OutboxCallRow): CtiEvent {
  switch (change) {
    case 'started':
      return row.direction === 'outgoing' ? 'outgoing' : 'ring';
    case 'answered':
      return 'answer';
    case 'ended':
    case 'interrupted':
      return row.direction === 'outgoing' || row.answered_at !== null ? 'end' : 'missed';
  }
}

/** The body of an event, from the calls row as stored with it. */
export function callEventOf(event: CtiEvent, row: OutboxCallRow, at: number): CallEventV1 {
  return {
    schema: CALL_EVENT_SCHEMA,
    event,
    callId: row.call_id,
    direction: row.direction,
    number: row.remote_number,
    name: row.remote_name,
    localAccount: row.local_account,
    at: new Date(at).toISOString(),
    startedAt: new Date(row.started_at).toISOString(),
    answeredAt: iso(row.answered_at),
    endedAt: iso(row.ended_at),
    durationSec: row.duration_sec,
    outcome: row.outcome,
  };
}

export interface CallWebhooksOptions extends OutboxSenderTuning {
  db: Database;
  clock: Clock;
  log: Logger;
  /** The CTI settings as they are now (asked at each event and before each delivery pass). */
  cti: () => CtiSettings;
  /** The {line} of a call: the label of the account it used (display name or extension). */
  lineOf?: (localAccount: string) => string;
  /** The personal phonebook's name for a number: a stored name wins over what the caller claims
   *  (as in notifications and the CTI panel). */
  nameOf?: (number: string) => string | null;
}

export type CallWebhooks = ReturnType<typeof createCallWebhooks>;

const WEBHOOK_OUTBOX: OutboxTable = {
  name: 'webhook_outbox',
  key: 'idempotency_key',
  pendingIndex: 'webhook_outbox_pending',
  group: 'event',
  context: 'vars',
};

const EVENTS: readonly CtiEvent[] = ['outgoing', 'ring', 'answer', 'end', 'missed'];

/** Which webhooks are set while CTI is on; none while it is off. */
function activeEvents(cti: CtiSettings): CtiEvent[] {
  return cti.enabled ? EVENTS.filter((event) => cti.webhooks[event] !== '') : [];
}

export function createCallWebhooks(options: CallWebhooksOptions) {
  const { db, cti } = options;
  const lineOf = options.lineOf ?? ((localAccount: string) => localAccount);
  const nameOf = options.nameOf ?? (() => null);
  // An event already queued (a replayed change) is never queued twice. ON CONFLICT on the key
  // rather than OR IGNORE, which would also swallow a failed CHECK and silently lose the event.
  const insert = db.prepare(`
    INSERT INTO webhook_outbox (idempotency_key, event, payload, vars, created_at, attempts, next_attempt_at)
    VALUES (?, ?, ?, ?, ?, 0, ?)
    ON CONFLICT (idempotency_key) DO NOTHING`);

  const sender = createOutboxSender<CtiSettings>({
    ...options,
    channel: {
      label: 'call webhook',
      userAgent: 'Tsunagu/1 (call-webhook)',
      table: WEBHOOK_OUTBOX,
      // CTI off, or no webhook set: events wait (as history records wait for an upload URL).
      endpoint: () => {
        const settings = cti();
        return activeEvents(settings).length > 0 ? settings : null;
      },
      endpointKey: (settings) => createHash('sha256').update(JSON.stringify(EVENTS.map((event) => settings.webhooks[event]))).digest('base64'),
      groups: activeEvents,
      target: (row: OutboxRow, settings) => {
        const template = settings.webhooks[row.group as CtiEvent] ?? '';
        // Saved templates were checked; one edited into the settings file by hand was not.
        if (ctiTemplateProblem(template, true) !== null) throw new UploadEndpointError(`the ${row.group} webhook URL is not acceptable`);
        const vars = JSON.parse(row.context ?? '{}') as Record<CtiPlaceholder, string>;
        const url = fillCtiTemplate(template, vars);
        // Only this event's values cannot go into this URL (e.g. a name that is a ".." path
        // segment): the other events still go. The message names neither the URL nor a value.
        if (url === null) throw new UploadEndpointError(`a value of this call cannot be placed in the ${row.group} webhook URL`, false);
        // Defence in depth: https, or http to this machine; never a user or password.
        return { url: checkEndpointUrl(url) };
      },
    },
  });

  const sink: CallEventSink = {
    stage(change, row, at) {
      const event = callEventFor(change, row);
      // Asked per event: switching CTI or one webhook off applies from the next event on.
      if (!activeEvents(cti()).includes(event)) return false;
      const named = { ...row, remote_name: nameOf(row.remote_number) ?? row.remote_name };
      const vars: Record<CtiPlaceholder, string> = {
        number: row.remote_number,
        name: named.remote_name ?? '',
        called: row.local_account,
        line: lineOf(row.local_account),
        direction: row.direction,
        callId: row.call_id,
      };
      const result = insert.run(`${row.call_id}:${event}`, event, JSON.stringify(callEventOf(event, named, at)), JSON.stringify(vars), at, at);
      return result.changes > 0;
    },
    committed() {
      void sender.kick();
    },
  };

  return {
    /** For createHistoryService({ events }): queues the events in the history's transactions. */
    sink,
    start: sender.start,
    stop: sender.stop,
    kick: sender.kick,
    whenIdle: sender.whenIdle,
    pending: sender.pending,
    status: (): OutboxStatus => sender.status(),
  };
}
