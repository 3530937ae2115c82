// The history upload (発着信履歴のクラウド管理): every ended call's record is queued in the
// history_outbox table (migration 006) in the transaction that stores the end
// (history-service.ts), and this uploader POSTs the queued records, one request per record, to
// the configured endpoint, oldest first, until each is acknowledged.
//
// Delivery is at-least-once on the wire and exactly-once at a server that honours the
// Idempotency-Key header (= the call id): a record is only marked delivered after a 2xx (or a
// 409 "already have it"), so a crash, a timeout or a lost answer after the server stored it
// means the same record, with the same key and the same body, is sent again later.
//
// HTTP is node:http / node:https, not fetch: undici 7 (Node 24's fetch) can crash the whole
// process on a server that closes its connections (nodejs/undici#5360, see
// webphonebook/carddav-client.ts), and node:https takes the per-server CA directly.
// Certificates are always verified; a private CA is added to the usual roots for this
// endpoint only. Plain http is refused except to this machine (loopback), so the phonebook
// password never crosses a network in clear.
//
// Failures are never dropped. What a failure was decides how long the record waits:
//   network  no connection, reset, timeout       exponential backoff + jitter; kick() retries now
//   server   408, 429, 5xx                        exponential backoff, or the server's Retry-After
//   rejected 401/403/400/…, an untrusted          the capped delay, or at once when the endpoint
//            certificate, a refused URL            (URL, user, password, CA) changes
// A restart gives network and rejected records one immediate try; a server's wait is kept.
// A failure of the endpoint as a whole (all of the above except a record-specific 4xx such as
// 400/413/422) stops the pass: the records behind it wait with it instead of each paying for
// the same outage. A record-specific 4xx defers that record only, so one record the server
// cannot take does not hold up the others.
//
// Logs and last_error carry status codes and socket errors (host:port at most); never the
// password, the Authorization header or a record's contents.
//
// The delivery engine (createOutboxSender) is shared with the CTI call webhooks
// (cti/call-webhooks.ts, webhook_outbox): same table layout, same rules, another channel.

import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Clock } from '../support/service-error';
import type { Logger } from '../support/log';
import type { CallRow } from './history-row';

// ---------------------------------------------------------------------------------------------
// The record (the JSON body), versioned

export const CALL_RECORD_SCHEMA = 'tsunagu.call-record/1';

/** The body of one upload. Times are ISO 8601 UTC with milliseconds. A new field may be added
 *  to version 1 (receivers must ignore fields they do not know); renaming, removing or
 *  changing the meaning of one makes a version 2. */
export interface CallRecordV1 {
  schema: typeof CALL_RECORD_SCHEMA;
  /** The idempotency key: a UUID, unique per call, the same on every retry. */
  callId: string;
  /** The SIP Call-ID of the call's dialog, for matching the PBX's own records; null if unknown. */
  sipCallId: string | null;
  direction: 'outgoing' | 'incoming';
  /** 'interrupted': the app stopped (crash, power loss) while the call was going on. */
  outcome: 'answered' | 'missed' | 'rejected' | 'cancelled' | 'failed' | 'interrupted';
  remoteNumber: string;
  remoteName: string | null;
  /** The SIP account (user@domain) the call was made or taken on. */
  localAccount: string;
  startedAt: string;
  /** null: never answered. */
  answeredAt: string | null;
  /** null only for 'interrupted' (when it really ended is unknown). */
  endedAt: string | null;
  /** Whole seconds from answer to end; null if never answered (or interrupted). */
  durationSec: number | null;
  /** Short machine-readable reason, e.g. 'bye:remote', 'sip:486', 'cancel', 'app-stopped'. */
  endReason: string | null;
}

/** A calls row as `SELECT *` / `RETURNING *` gives it (CallRow plus the SIP Call-ID). */
export type OutboxCallRow = CallRow & { sip_call_id: string | null };

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The record of an ended call, from its stored row. */
export function callRecordOf(row: OutboxCallRow): CallRecordV1 {
  if (row.outcome === null) throw new Error(`call ${row.call_id} has not ended`);
  return {
    schema: CALL_RECORD_SCHEMA,
    callId: row.call_id,
    sipCallId: row.sip_call_id ?? null,
    direction: row.direction,
    outcome: row.outcome,
    remoteNumber: row.remote_number,
    remoteName: row.remote_name,
    localAccount: row.local_account,
    startedAt: new Date(row.started_at).toISOString(),
    answeredAt: iso(row.answered_at),
    endedAt: iso(row.ended_at),
    durationSec: row.duration_sec,
    endReason: row.end_reason,
  };
}

/**
 * The outbox insert, for the history service to run inside its end-of-call transaction. The
 * body is frozen here: what is uploaded is the row as it was when the call ended. New records
 * are due at once. ON CONFLICT DO NOTHING: a record already queued (or delivered) is never queued
 * again (not OR IGNORE, which would also swallow a failed CHECK and silently lose the record).
 */
export function prepareOutboxInsert(db: Database): (row: OutboxCallRow, now: number) => void {
  const insert = db.prepare(
    'INSERT INTO history_outbox (call_id, payload, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT (call_id) DO NOTHING',
  );
  return (row, now) => {
    insert.run(row.call_id, JSON.stringify(callRecordOf(row)), now, now);
  };
}

// ---------------------------------------------------------------------------------------------
// Transport

export interface UploadEndpoint {
  /** https://… (http://… only to 127.0.0.1, ::1 or localhost). */
  url: string;
  /** The web phonebook login ID and password (HTTP Basic); no header when user is empty. */
  user: string;
  password: string;
  /** PEM of an extra CA (or the server's self-signed certificate) trusted for this endpoint only. */
  caCertPem?: string;
}

export interface UploadRequest {
  url: URL;
  /** Lower-case names; includes authorization: never log them. */
  headers: Record<string, string>;
  body: string;
  /** Deadline of the whole exchange up to the status line. */
  timeoutMs: number;
  caCertPem?: string;
  /** Aborted by stop(). */
  signal: AbortSignal;
}

export interface UploadResponse {
  status: number;
  /** The Retry-After header as sent, if any. */
  retryAfter: string | null;
}

/** Sends one request. Rejects on a network failure (error code in `code`), resolves with any
 *  HTTP answer. */
export type UploadPost = (request: UploadRequest) => Promise<UploadResponse>;

export class UploadTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'UploadTimeoutError';
  }
}

/** The endpoint URL cannot be used (never sent to). `endpointWide` false: only this record
 *  cannot be sent (a webhook URL its values cannot be placed in); the others still go. */
export class UploadEndpointError extends Error {
  constructor(
    message: string,
    readonly endpointWide = true,
  ) {
    super(message);
    this.name = 'UploadEndpointError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The endpoint URL, checked: https, or http to this machine only; no credentials in it. */
export function checkEndpointUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UploadEndpointError('the upload URL is not a URL');
  }
  if (url.username || url.password) throw new UploadEndpointError('the upload URL must not contain a user name or password');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (LOOPBACK_HOSTS.has(url.hostname.toLowerCase())) return url;
    throw new UploadEndpointError(`plain http is refused for ${url.hostname}: use https`);
  }
  throw new UploadEndpointError(`the upload URL must be https (not ${url.protocol.replace(/:$/, '')})`);
}

/** Cap of a response body we read (and throw away): the status line is the whole answer. */
const MAX_DRAIN_BYTES = 64 * 1024;

/**
 * The default transport: one connection per request (agent: false), so a stale keep-alive
 * socket can never turn into a spurious failure, and nothing lingers between calls.
 */
export const nodeHttpPost: UploadPost = (request) =>
  new Promise<UploadResponse>((resolve, reject) => {
    const body = Buffer.from(request.body, 'utf8');
    const secure = request.url.protocol === 'https:';
    // Added to the usual roots, not in their place: an endpoint that later moves to a public
    // certificate keeps working.
    const ca = secure && request.caCertPem?.trim() ? [...tls.rootCertificates, request.caCertPem] : undefined;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    const options: https.RequestOptions = {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(body.length) },
      agent: false,
      signal: request.signal,
      ...(ca ? { ca } : {}),
    };
    const req = (secure ? https : http).request(request.url, options, (res) => {
      settle(() => resolve({ status: res.statusCode ?? 0, retryAfter: headerText(res.headers['retry-after']) }));
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_DRAIN_BYTES) res.destroy();
      });
      res.on('error', () => undefined);
      res.on('close', () => clearTimeout(timer));
    });
    // Bounds the exchange (connect, TLS, request, status line) and the drain of the body.
    const timer = setTimeout(() => {
      const error = new UploadTimeoutError(request.timeoutMs);
      settle(() => reject(error));
      req.destroy(error);
    }, request.timeoutMs);
    timer.unref?.();
    req.on('error', (error) => {
      clearTimeout(timer);
      settle(() => reject(error));
    });
    req.end(body);
  });

function headerText(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; ms from now, or null. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

// ---------------------------------------------------------------------------------------------
// The sender: one engine for every durable outbox (history_outbox here, webhook_outbox for the
// CTI call webhooks in cti/call-webhooks.ts). The tables share one column layout; what differs
// — where a row goes, with which headers, which rows the current settings take — is the
// channel's. One engine rather than a copy per outbox, so that the delivery rules above (what
// is retried when, what a kick may cut short, what is never dropped) cannot drift apart.

export interface BackoffOptions {
  /** First retry delay. Default 5 s. */
  initialMs?: number;
  /** Cap, also the wait after a rejection (401, 403, 400…). Default 15 min. */
  maxMs?: number;
  /** Default 2. */
  factor?: number;
  /** Fraction taken off at random (0.2: 80–100 % of the delay), so that many phones coming
   *  back after one outage do not retry in step. Default 0.2. */
  jitter?: number;
}

/** The tuning every outbox sender takes (tests shorten the waits and fake the timers). */
export interface OutboxSenderTuning {
  post?: UploadPost;
  backoff?: BackoffOptions;
  /** Bound of a server's Retry-After (a misconfigured server must not park records for a
   *  week). Default 1 h. */
  retryAfterMaxMs?: number;
  /** Deadline of one request. Default 10 s. */
  timeoutMs?: number;
  /** Delivered rows are kept this long (for diagnostics), then pruned. Default 30 days. */
  retentionMs?: number;
  /** [0, 1): the jitter. Default Math.random. */
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/**
 * An outbox table: `key` (the Idempotency-Key, primary key), payload (the body as sent),
 * created_at, attempts, next_attempt_at, delivered_at, last_error, failure_kind, and a partial
 * index on (created_at) WHERE delivered_at IS NULL. The names are constants of this code base,
 * never input: they are interpolated into the SQL.
 */
export interface OutboxTable {
  name: string;
  key: string;
  pendingIndex: string;
  /** A column that decides whether the current settings take a row (webhooks: the event). */
  group?: string;
  /** A column handed to the channel with the row (webhooks: the URL template's values). */
  context?: string;
}

/** A due row as the channel sees it. */
export interface OutboxRow {
  key: string;
  payload: string;
  attempts: number;
  group: string | null;
  context: string | null;
}

/** Where one row goes. The engine adds content-type, idempotency-key (the row's key) and
 *  user-agent to `headers`. */
export interface OutboxTarget {
  url: URL;
  headers?: Record<string, string>;
  caCertPem?: string;
}

export interface OutboxChannel<E> {
  /** Names the outbox in log lines ('history upload'). */
  label: string;
  userAgent: string;
  table: OutboxTable;
  /** Read before every pass; null = not configured (rows wait, nothing is sent). */
  endpoint(): E | null;
  /** A digest of what the user can fix (URL, password…): a change lifts every wait. */
  endpointKey(endpoint: E): string;
  /** The values of table.group this endpoint sends; rows of other groups wait, unsent.
   *  Absent: every row. */
  groups?(endpoint: E): readonly string[];
  /** The request for one row. Throws UploadEndpointError when it must not be sent. */
  target(row: OutboxRow, endpoint: E): OutboxTarget;
}

export interface OutboxSenderOptions<E> extends OutboxSenderTuning {
  db: Database;
  clock: Clock;
  log: Logger;
  channel: OutboxChannel<E>;
}

export interface OutboxStatus {
  pending: number;
  /** The last failure ('HTTP 401', 'ECONNREFUSED …'), null after a delivery. */
  lastError: string | null;
  lastDeliveredAt: number | null;
  /** When the next attempt is scheduled (clock ms), null when none is. */
  nextAttemptAt: number | null;
}

export type OutboxSender = ReturnType<typeof createOutboxSender>;

type FailureKind = 'network' | 'server' | 'rejected';

interface Failure {
  kind: FailureKind;
  message: string;
  /** The endpoint as a whole failed: stop the pass, the records behind wait too. */
  endpointWide: boolean;
  /** The server's Retry-After, ms. */
  retryAfterMs: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createOutboxSender<E>(options: OutboxSenderOptions<E>) {
  const { db, clock, log, channel } = options;
  const { label } = channel;
  const post = options.post ?? nodeHttpPost;
  const initialMs = options.backoff?.initialMs ?? 5_000;
  const maxMs = options.backoff?.maxMs ?? 15 * 60_000;
  const factor = options.backoff?.factor ?? 2;
  const jitter = options.backoff?.jitter ?? 0.2;
  const retryAfterMaxMs = options.retryAfterMaxMs ?? 60 * 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retentionMs = options.retentionMs ?? 30 * DAY_MS;
  const random = options.random ?? Math.random;
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => {
    const handle = setTimeout(fn, ms);
    // A pending retry must not keep the process alive on quit.
    handle.unref?.();
    return handle;
  });
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));

  const { name: table, key: keyColumn, pendingIndex } = channel.table;
  const groupColumn = channel.table.group ?? null;
  // Only rows of the groups the settings take: otherwise a row nobody may send would be "due"
  // for ever, and the wake-up timer would fire at once, again and again.
  const inGroups = groupColumn === null ? '' : ` AND ${groupColumn} IN (SELECT value FROM json_each(@groups))`;
  // Oldest first: the pending index is (created_at) + rowid, walked in order.
  const nextDue = db.prepare(`
    SELECT ${keyColumn} AS key, payload, attempts, ${groupColumn ?? 'NULL'} AS "group", ${channel.table.context ?? 'NULL'} AS context
    FROM ${table} INDEXED BY ${pendingIndex}
    WHERE delivered_at IS NULL AND next_attempt_at <= @now${inGroups}
    ORDER BY created_at, rowid LIMIT 1`);
  const nextWake = db.prepare(`SELECT min(next_attempt_at) FROM ${table} WHERE delivered_at IS NULL${inGroups}`).pluck();
  const countPending = db.prepare(`SELECT count(*) FROM ${table} WHERE delivered_at IS NULL`).pluck();
  const markDelivered = db.prepare(`
    UPDATE ${table} SET delivered_at = @now, attempts = attempts + 1, last_error = NULL, failure_kind = NULL
    WHERE ${keyColumn} = @key AND delivered_at IS NULL`);
  const markFailed = db.prepare(`
    UPDATE ${table} SET attempts = attempts + 1, last_error = @error, failure_kind = @kind, next_attempt_at = @next
    WHERE ${keyColumn} = @key AND delivered_at IS NULL`);
  // What kick() and start() may cut short (see the table at the top).
  const makeNetworkDue = db.prepare(
    `UPDATE ${table} SET next_attempt_at = @now WHERE delivered_at IS NULL AND next_attempt_at > @now AND failure_kind = 'network'`,
  );
  const makeAllDue = db.prepare(`UPDATE ${table} SET next_attempt_at = @now WHERE delivered_at IS NULL AND next_attempt_at > @now`);
  const makeStartDue = db.prepare(
    `UPDATE ${table} SET next_attempt_at = @now WHERE delivered_at IS NULL AND next_attempt_at > @now AND failure_kind IS NOT 'server'`,
  );
  const prune = db.prepare(`DELETE FROM ${table} WHERE delivered_at IS NOT NULL AND delivered_at < ?`);
  const lastDelivery = db.prepare(`SELECT max(delivered_at) FROM ${table}`).pluck();
  const oldestError = db.prepare(`
    SELECT last_error FROM ${table} INDEXED BY ${pendingIndex}
    WHERE delivered_at IS NULL AND last_error IS NOT NULL ORDER BY created_at, rowid LIMIT 1`).pluck();
  const groupsParam = (endpoint: E): Record<string, string> =>
    groupColumn === null ? {} : { groups: JSON.stringify(channel.groups?.(endpoint) ?? []) };

  let stopped = true;
  let timer: unknown = null;
  let timerAt: number | null = null;
  let running: Promise<void> | null = null;
  let rerun = false;
  let inFlight: AbortController | null = null;
  /** The endpoint as a whole failed: nothing is sent before `until` (kick() may lift it). */
  let hold: { until: number; kind: FailureKind } | null = null;
  /** The endpoint (URL, user, password, CA) the last failure was met with: a different one
   *  (the user fixed the password) deserves an immediate try. */
  let failedWith: string | null = null;
  let lastError: string | null = null;
  let lastDeliveredAt: number | null = null;
  let lastPrunedAt = -Infinity;

  function backoffDelay(attempts: number): number {
    const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempts - 1));
    return Math.round(base * (1 - jitter * random()));
  }

  function classifyResponse(response: UploadResponse, now: number): Failure | null {
    const { status } = response;
    if ((status >= 200 && status < 300) || status === 409) return null;
    const message = `HTTP ${status}`;
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfter = parseRetryAfter(response.retryAfter, now);
      return { kind: 'server', message, endpointWide: true, retryAfterMs: retryAfter };
    }
    // Credentials, a wrong URL or method, a redirect (the password is not followed elsewhere):
    // the endpoint as a whole. Anything else 4xx is about this record.
    const endpointWide = status < 400 || [401, 403, 404, 405, 407, 410].includes(status);
    return { kind: 'rejected', message, endpointWide, retryAfterMs: null };
  }

  function classifyError(error: unknown): Failure {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
    const text = error instanceof Error ? error.message : String(error);
    const message = (code && !text.includes(code) ? `${code}: ${text}` : text).slice(0, 200);
    // A certificate that is not trusted will not become trusted by retrying soon.
    if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME_MISMATCH/.test(code)) {
      return { kind: 'rejected', message, endpointWide: true, retryAfterMs: null };
    }
    // Refused, reset, unreachable, DNS, a timeout, and whatever else the socket says: network
    // trouble, retried with backoff (and at once by a kick) rather than parked.
    return { kind: 'network', message, endpointWide: true, retryAfterMs: null };
  }

  function recordFailure(row: OutboxRow, failure: Failure, endpoint: string, now: number): void {
    const attempts = row.attempts + 1;
    const delay =
      failure.retryAfterMs !== null
        ? Math.min(retryAfterMaxMs, Math.max(1_000, failure.retryAfterMs))
        : failure.kind === 'rejected'
          ? Math.round(maxMs * (1 - jitter * random()))
          : backoffDelay(attempts);
    const next = now + delay;
    markFailed.run({ key: row.key, error: failure.message, kind: failure.kind, next });
    if (failure.endpointWide) hold = { until: next, kind: failure.kind };
    failedWith = endpoint;
    if (failure.message !== lastError) {
      log.warn(`${label} failed (${failure.message}); ${pendingCount()} record(s) waiting, next try in ${Math.round(delay / 1000)} s`);
    }
    lastError = failure.message;
  }

  /** The settings changed since the last failure (the user fixed the password or the URL):
   *  whatever the failure was, the new endpoint gets a try now. */
  function liftIfEndpointChanged(key: string, now: number): boolean {
    if (failedWith === null || failedWith === key) return false;
    failedWith = null;
    hold = null;
    makeAllDue.run({ now });
    return true;
  }

  function pendingCount(): number {
    return countPending.get() as number;
  }

  /** Sends due records until none is due or the endpoint fails. */
  async function pass(): Promise<void> {
    let delivered = 0;
    // Each record at most once per pass: whatever went wrong, a record that comes back due at
    // once must not turn the pass into a loop hammering the server.
    const sent = new Set<string>();
    for (;;) {
      if (stopped) break;
      const endpoint = channel.endpoint();
      if (!endpoint) break;
      const key = channel.endpointKey(endpoint);
      let now = clock.now();
      liftIfEndpointChanged(key, now);
      if (hold) {
        if (now < hold.until) break;
        hold = null;
      }
      const row = nextDue.get({ now, ...groupsParam(endpoint) }) as OutboxRow | undefined;
      if (!row) break;
      if (sent.has(row.key)) {
        log.error(`${label}: record ${row.key} is still due after its attempt; waiting`);
        hold = { until: now + initialMs, kind: 'network' };
        break;
      }
      sent.add(row.key);

      let target: OutboxTarget;
      try {
        target = channel.target(row, endpoint);
      } catch (error) {
        if (!(error instanceof UploadEndpointError)) throw error;
        recordFailure(row, { kind: 'rejected', message: error.message, endpointWide: error.endpointWide, retryAfterMs: null }, key, now);
        if (error.endpointWide) break;
        continue;
      }
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': row.key,
        'user-agent': channel.userAgent,
        ...target.headers,
      };
      const controller = new AbortController();
      inFlight = controller;
      let failure: Failure | null;
      try {
        const response = await post({
          url: target.url,
          headers,
          body: row.payload,
          timeoutMs,
          signal: controller.signal,
          ...(target.caCertPem?.trim() ? { caCertPem: target.caCertPem } : {}),
        });
        now = clock.now();
        failure = classifyResponse(response, now);
      } catch (error) {
        // Cancelled by stop(): not a failure of the endpoint; the record simply stays queued.
        if (stopped) break;
        now = clock.now();
        failure = classifyError(error);
      } finally {
        inFlight = null;
      }
      if (failure === null) {
        markDelivered.run({ key: row.key, now });
        delivered += 1;
        lastDeliveredAt = now;
        if (lastError !== null) log.info(`${label} works again`);
        lastError = null;
        failedWith = null;
        continue;
      }
      recordFailure(row, failure, key, now);
      if (failure.endpointWide) break;
    }
    if (delivered > 0) {
      log.info(`${label}: ${delivered} record(s) delivered`);
      const now = clock.now();
      if (now - lastPrunedAt >= DAY_MS) {
        lastPrunedAt = now;
        prune.run(now - retentionMs);
      }
    }
  }

  function schedule(): void {
    if (timer !== null) clearTimer(timer);
    timer = null;
    timerAt = null;
    if (stopped) return;
    const endpoint = channel.endpoint();
    if (!endpoint) return;
    const wake = nextWake.get(groupsParam(endpoint)) as number | null;
    if (wake === null) return;
    const at = Math.max(wake, hold?.until ?? -Infinity);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now()));
    timerAt = at;
    timer = setTimer(() => {
      timer = null;
      timerAt = null;
      void run();
    }, delay);
  }

  /** One loop at a time: a kick during a pass makes the pass look again when it is done. */
  function run(): Promise<void> {
    if (running) {
      rerun = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          rerun = false;
          await pass();
        } while (rerun && !stopped);
      } catch (error) {
        // The database said no (busy, disk full): try again later rather than spin.
        log.error(`${label} stopped by an error; will try again`, error);
        hold = { until: clock.now() + initialMs, kind: 'network' };
      } finally {
        running = null;
        try {
          schedule();
        } catch (error) {
          log.error(`${label} could not schedule its next try`, error);
        }
      }
    })();
    return running;
  }

  return {
    /**
     * Starts delivering: everything due now (what an earlier run left, records of calls marked
     * interrupted) is sent, the rest is scheduled. After a restart, network failures and
     * rejections get one immediate try (the network or the password may have been fixed
     * meanwhile); a server's own "wait" (5xx, 429, Retry-After) is kept. Resolves when the
     * first pass is done.
     */
    start(): Promise<void> {
      if (!stopped) return running ?? Promise.resolve();
      stopped = false;
      const now = clock.now();
      lastPrunedAt = now;
      prune.run(now - retentionMs);
      makeStartDue.run({ now });
      lastDeliveredAt = (lastDelivery.get() as number | null) ?? null;
      lastError = (oldestError.get() as string | null) ?? null;
      return run();
    },

    /**
     * Deliver now: call after a record was queued, when the network came back, and when the
     * settings changed. Records that failed on the network are tried at once; a changed
     * endpoint lifts every wait; a server's "wait" (5xx, 429, Retry-After) and a rejection by
     * the same endpoint are kept. Resolves when the pass it caused is done.
     */
    kick(): Promise<void> {
      if (stopped) return Promise.resolve();
      const now = clock.now();
      const endpoint = channel.endpoint();
      const changed = endpoint !== null && liftIfEndpointChanged(channel.endpointKey(endpoint), now);
      if (!changed && (!hold || hold.kind === 'network')) {
        hold = null;
        makeNetworkDue.run({ now });
      }
      return run();
    },

    /** Stops: no new attempt; a request in flight is cancelled (its record stays queued and is
     *  sent again, with the same key, after the next start). Resolves when the loop has let go
     *  of the database. */
    stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      timerAt = null;
      inFlight?.abort();
      return running ?? Promise.resolve();
    },

    /** Resolves when no pass is running (tests; a clean shutdown). */
    whenIdle(): Promise<void> {
      return running ?? Promise.resolve();
    },

    pending(): number {
      return pendingCount();
    },

    status(): OutboxStatus {
      return { pending: pendingCount(), lastError, lastDeliveredAt, nextAttemptAt: timerAt };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The history uploader: the sender on history_outbox, to the web phonebook's upload URL.

export interface HistoryUploaderOptions extends OutboxSenderTuning {
  db: Database;
  clock: Clock;
  log: Logger;
  /** Read before every pass; null = upload not configured (records wait, nothing is sent). */
  endpoint: () => UploadEndpoint | null;
}

export type HistoryUploadStatus = OutboxStatus;
export type HistoryUploader = OutboxSender;

const HISTORY_OUTBOX: OutboxTable = { name: 'history_outbox', key: 'call_id', pendingIndex: 'history_outbox_pending' };

export function createHistoryUploader(options: HistoryUploaderOptions): HistoryUploader {
  const { endpoint, ...rest } = options;
  return createOutboxSender<UploadEndpoint>({
    ...rest,
    channel: {
      label: 'history upload',
      userAgent: 'Tsunagu-HistoryUpload/1',
      table: HISTORY_OUTBOX,
      endpoint,
      // A digest, so that the password is not copied into one more long-lived string.
      endpointKey: (e) => createHash('sha256').update(JSON.stringify([e.url, e.user, e.password, e.caCertPem ?? ''])).digest('base64'),
      target: (_row, e) => ({
        url: checkEndpointUrl(e.url),
        headers: e.user ? { authorization: `Basic ${Buffer.from(`${e.user}:${e.password}`, 'utf8').toString('base64')}` } : {},
        ...(e.caCertPem?.trim() ? { caCertPem: e.caCertPem } : {}),
      }),
    },
  });
}
