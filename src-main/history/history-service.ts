import type { Database } from 'better-sqlite3';
import type { CallEnded, CallStarted, HistoryEntry, HistoryListRequest } from '../../src-preload/contract';
import { ServiceError, type Clock } from '../support/service-error';
import { prepareOutboxInsert, type OutboxCallRow } from './history-outbox';
import { remoteKeys } from './history-query';
import { toEntry, type CallRow } from './history-row';

export type HistoryService = ReturnType<typeof createHistoryService>;

/** What happened to a call's row: the start, the answer, the end, or the interrupted mark. */
export type CallChange = 'started' | 'answered' | 'ended' | 'interrupted';

/**
 * Told about every change of a call, inside the transaction that stores it (the CTI webhooks,
 * cti/call-webhooks.ts, queue their event there): whatever `stage` writes commits with the
 * change or not at all, and a throw rolls the change back. `committed` runs after the commit
 * of a change for which `stage` said it queued something (to start the delivery).
 */
export interface CallEventSink {
  /** `row` is the calls row as stored; `at` is the time of the change. True: something queued. */
  stage(change: CallChange, row: OutboxCallRow, at: number): boolean;
  committed(): void;
}

export interface HistoryServiceOptions {
  /** The history upload outbox (history-outbox.ts). `enqueue()` is asked when a call's end is
   *  stored: true queues its record for upload in the same transaction. Asked per call, so
   *  switching the upload on or off in the settings applies from the next call on. */
  outbox?: { enqueue(): boolean };
  /** Call events for the CTI webhooks; see CallEventSink. */
  events?: CallEventSink;
}

/**
 * The call history. Times are stamped here with main's clock rather than taken from the
 * renderer: one clock for every row, and nothing a page could forge.
 */
export function createHistoryService(db: Database, clock: Clock, options: HistoryServiceOptions = {}) {
  // remote_key / remote_digits (migration 003) are what the history list filters and searches on.
  const insert = db.prepare(`
    INSERT INTO calls (call_id, sip_call_id, direction, remote_number, remote_name, local_account, started_at, remote_key, remote_digits)
    VALUES (@callId, @sipCallId, @direction, @remoteNumber, @remoteName, @localAccount, @startedAt, @remoteKey, @remoteDigits)
    RETURNING *`);
  const markAnswered = db.prepare(
    'UPDATE calls SET answered_at = @at WHERE call_id = @callId AND outcome IS NULL AND answered_at IS NULL RETURNING *',
  );
  // RETURNING hands back the row as stored (talk time computed by SQLite): the upload record
  // is built from exactly that, inside the same transaction.
  const markEnded = db.prepare(`
    UPDATE calls SET outcome = @outcome, end_reason = @reason, ended_at = @at,
      duration_sec = CASE WHEN answered_at IS NULL THEN NULL ELSE CAST((@at - answered_at) / 1000 AS INTEGER) END
    WHERE call_id = @callId AND outcome IS NULL
    RETURNING *`);
  const exists = db.prepare('SELECT 1 FROM calls WHERE call_id = ?').pluck();
  // When and whether such a call really ended is unknown: end time and talk time stay NULL
  // rather than a guess that would read as a real zero-second call.
  const markInterrupted = db.prepare(`
    UPDATE calls SET outcome = 'interrupted', end_reason = 'app-stopped', ended_at = NULL, duration_sec = NULL
    WHERE outcome IS NULL
    RETURNING *`);
  const firstPage = db.prepare('SELECT * FROM calls ORDER BY started_at DESC, id DESC LIMIT ?');
  const nextPage = db.prepare(`
    SELECT * FROM calls WHERE (started_at, id) < (@startedAt, @id)
    ORDER BY started_at DESC, id DESC LIMIT @limit`);
  const byCallId = db.prepare('SELECT * FROM calls WHERE call_id = ?');

  const endedListeners = new Set<(ended: CallEnded) => void>();
  // Prepared only when there is an outbox: without one the table need not even be looked at.
  const queueUpload = options.outbox ? prepareOutboxInsert(db) : null;
  const enqueueNow = (): boolean => queueUpload !== null && options.outbox?.enqueue() === true;
  const sink = options.events ?? null;

  /** Hands the stored rows to the sink; true when it queued something. */
  const stageAll = (change: CallChange, rows: readonly OutboxCallRow[], at: number): boolean => {
    let queued = false;
    if (sink) for (const row of rows) queued = sink.stage(change, row, at) || queued;
    return queued;
  };

  // A start with its webhook event, and an answer with its: the same all-or-nothing as the end.
  const storeStart = db.transaction((params: Record<string, unknown>, at: number) => {
    const row = insert.get(params) as OutboxCallRow;
    return stageAll('started', [row], at);
  });
  const storeAnswer = db.transaction((params: { callId: string; at: number }) => {
    const rows = markAnswered.all(params) as OutboxCallRow[];
    return stageAll('answered', rows, params.at);
  });
  // The end (or the interrupted mark) and its upload record commit together or not at all: a
  // crash between the two cannot leave an ended call that is never uploaded, nor an upload of
  // an end that was rolled back. ON CONFLICT DO NOTHING: a record already queued stays as it was.
  const storeEnd = db.transaction((params: { callId: string; outcome: string; reason: string | null; at: number }, enqueue: boolean) => {
    const rows = markEnded.all(params) as OutboxCallRow[];
    if (enqueue) for (const row of rows) queueUpload?.(row, params.at);
    return { changes: rows.length, queued: stageAll('ended', rows, params.at) };
  });
  const storeInterrupted = db.transaction((at: number, enqueue: boolean) => {
    const rows = markInterrupted.all() as OutboxCallRow[];
    if (enqueue) for (const row of rows) queueUpload?.(row, at);
    return { changes: rows.length, queued: stageAll('interrupted', rows, at) };
  });

  function requireCall(callId: string): void {
    if (!exists.get(callId)) throw new ServiceError('not-found', `no call ${callId}`);
  }

  return {
    callStarted(call: CallStarted): void {
      const startedAt = clock.now();
      let queued: boolean;
      try {
        queued = storeStart.immediate({ ...call, ...remoteKeys(call.remoteNumber), startedAt }, startedAt);
      } catch (error) {
        // A replayed start (renderer retry) must not create a second row or fail the call.
        if (error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE') return;
        throw error;
      }
      if (queued) sink?.committed();
    },

    callAnswered(callId: string): void {
      requireCall(callId);
      if (storeAnswer.immediate({ callId, at: clock.now() })) sink?.committed();
    },

    /** Completes the row. A second end for the same call is ignored: the first one is the truth. */
    callEnded(ended: CallEnded): void {
      requireCall(ended.callId);
      const at = clock.now();
      const { changes, queued } = storeEnd.immediate({ callId: ended.callId, outcome: ended.outcome, reason: ended.reason, at }, enqueueNow());
      // After the commit: a listener (a missed-call notice, the uploader's kick) sees the row.
      if (changes > 0) for (const listener of endedListeners) listener(ended);
      if (queued) sink?.committed();
    },

    /** Called once per call, after its end is stored (e.g. to notify a missed call). */
    onCallEnded(listener: (ended: CallEnded) => void): () => void {
      endedListeners.add(listener);
      return () => endedListeners.delete(listener);
    },

    /** Run once at start-up: calls still open were cut off by a crash or power loss. Their
     *  records are queued for upload like any other end (the uploader's start() sends them). */
    markInterruptedCalls(): number {
      const { changes, queued } = storeInterrupted.immediate(clock.now(), enqueueNow());
      if (queued) sink?.committed();
      return changes;
    },

    list(request: HistoryListRequest): HistoryEntry[] {
      const rows = (
        request.before
          ? nextPage.all({ ...request.before, limit: request.limit })
          : firstPage.all(request.limit)
      ) as CallRow[];
      return rows.map(toEntry);
    },

    get(callId: string): HistoryEntry | undefined {
      const row = byCallId.get(callId) as CallRow | undefined;
      return row && toEntry(row);
    },
  };
}
