// CardDAV client (RFC 6352) for the web phonebook: discovery, sync (RFC 6578 sync-collection,
// with a PROPFIND/ETag fallback), addressbook-multiget and addressbook-query.
//
// HTTP is node:http / node:https, not fetch. Node's fetch is undici, and undici 7 (bundled in
// Node 24 and the npm package alike, checked with 7.30.2) crashes the whole process with an
// uncatchable `AssertionError: assert(!this.paused)` when a server closes the connection after
// a large response while the body is being read (nodejs/undici#5360, fixed upstream in
// undici 8). Radicale answers HTTP/1.0 and closes every connection: its 1 MB sync REPORT for
// 5,000 cards reproduced the crash every time. In the main process that would take the phone
// down with it. node:https also takes the per-server CA (`ca`) directly, without a second
// HTTP stack.
//
// Every request has a deadline (the whole exchange, body included) and a size cap enforced
// while the body streams in. Certificates are always verified; a server with a private CA is
// trusted by adding that CA, for that server only. Errors are classified for the UI
// (CardDavError.code); messages never contain the password or card contents.

import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import tls from 'node:tls';
import {
  NS_CARDDAV,
  NS_CS,
  NS_DAV,
  XmlError,
  child,
  children,
  escapeXml,
  is,
  multistatus,
  parseXml,
  prop,
  type DavResponse,
  type XmlElement,
} from './dav-xml';

// ---------------------------------------------------------------------------------------------
// Configuration and errors

export interface CardDavServerConfig {
  /** host[:port][/path], as the user typed it (a leading http:// or https:// is tolerated). */
  server: string;
  ssl: boolean;
  user: string;
  password: string;
  /** PEM of an extra CA (or the server's self-signed certificate) trusted for this server only. */
  caCertPem?: string;
}

export type CardDavErrorCode =
  /** The server field cannot be a server (or its scheme contradicts the SSL switch). */
  | 'invalid-config'
  /** 401/403: wrong user or password, or no access. */
  | 'auth'
  /** The name does not resolve (DNS). */
  | 'server-not-found'
  /** Resolved, but nothing answers: connection refused, host/network unreachable, reset. */
  | 'unreachable'
  /** TLS failed: untrusted/expired/mismatched certificate, or the server does not speak TLS. */
  | 'tls'
  /** It answers HTTP, but is not a CardDAV server, or has no address book for this user. */
  | 'not-carddav'
  | 'timeout'
  /** The answer cannot be used: malformed XML, too large, truncated, an unexpected status. */
  | 'bad-response'
  /** 5xx. */
  | 'server-error';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
}

export class CardDavError extends Error {
  readonly code: CardDavErrorCode;
  /** Finer reason: 'malformed-xml', 'too-large', 'truncated', 'no-addressbook', 'not-dav',
   *  'redirect-elsewhere', 'status-502', a TLS code such as 'DEPTH_ZERO_SELF_SIGNED_CERT'. */
  readonly reason: string | null;
  readonly status: number | null;
  /** What the server presented, for a 'tls' error (when it could be read). */
  readonly certificate: CertificateInfo | null;
  /** The URL involved (never with credentials). */
  readonly url: string | null;

  constructor(
    code: CardDavErrorCode,
    message: string,
    details: { reason?: string | null; status?: number | null; certificate?: CertificateInfo | null; url?: string | null; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CardDavError';
    this.code = code;
    this.reason = details.reason ?? null;
    this.status = details.status ?? null;
    this.certificate = details.certificate ?? null;
    this.url = details.url ?? null;
  }
}

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;

/** The server's base URL from the settings: host[:port][/path] plus the SSL switch. */
export function serverBaseUrl(config: Pick<CardDavServerConfig, 'server' | 'ssl'>): URL {
  let text = config.server.trim();
  const scheme = /^(https?):\/\//i.exec(text);
  if (scheme) {
    if ((scheme[1]?.toLowerCase() === 'https') !== config.ssl) {
      throw new CardDavError('invalid-config', `the server address says ${scheme[1]} but SSL is ${config.ssl ? 'on' : 'off'}`, { reason: 'scheme-mismatch' });
    }
    text = text.slice(scheme[0].length);
  }
  const match = /^([^/?#]+?)(?::(\d{1,5}))?(\/[^?#]*)?$/.exec(text);
  const host = match?.[1] ?? '';
  const port = match?.[2] === undefined ? null : Number(match[2]);
  if (!match || !HOST.test(host) || (port !== null && (port < 1 || port > 65535)) || /[\s\\]/.test(text)) {
    throw new CardDavError('invalid-config', 'the server address is not host[:port][/path]', { reason: 'server' });
  }
  const url = new URL(`${config.ssl ? 'https' : 'http'}://${host}${port === null ? '' : `:${port}`}${match[3] ?? '/'}`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

// ---------------------------------------------------------------------------------------------
// Client

export interface RequestInfo {
  method: string;
  /** Path and query only. */
  path: string;
  kind: 'discover' | 'sync-collection' | 'propfind-etags' | 'multiget' | 'query' | 'probe';
  /** Hrefs asked for (multiget). */
  hrefs: number;
  status: number | null;
  tookMs: number;
}

export interface CardDavClientOptions {
  /** Deadline of one request, body included. Default 30 s. */
  timeoutMs?: number;
  /** Cap of a multiget / sync listing / query response. Default 32 MB. */
  maxResponseBytes?: number;
  /** Cap of a discovery (PROPFIND) response. Default 2 MB. */
  maxDiscoveryBytes?: number;
  /** A card larger than this (its vCard text, UTF-8) is skipped and reported. Default 1 MB. */
  maxCardBytes?: number;
  /** Observer of every request (tests count multiget hrefs; the service logs). */
  onRequest?: (info: RequestInfo) => void;
  /** DNS lookup for the connections (tests: a resolver that fails without touching the network). */
  lookup?: LookupFunction;
  /** Aborts every request of this client. */
  signal?: AbortSignal;
}

export interface DiscoveredAddressBook {
  /** Absolute URL of the collection (ends with '/'). */
  url: string;
  /** Its path, as used in hrefs. */
  href: string;
  displayName: string;
  /** Only when the discovery answer carried it (this client does not ask: see BOOK_PROPS). */
  ctag: string | null;
  syncToken: string | null;
  /** sync-collection is listed in supported-report-set, or the server does not say. */
  supportsSync: boolean;
}

export interface Discovery {
  principalUrl: string | null;
  homeUrls: string[];
  addressBooks: DiscoveredAddressBook[];
}

export interface ListedCard {
  href: string;
  etag: string;
}

export type SyncListing =
  | { kind: 'changes'; token: string; changed: ListedCard[]; removed: string[]; truncated: boolean }
  /** The server no longer knows the token (RFC 6578 §3.2 valid-sync-token): sync afresh. */
  | { kind: 'token-invalid' }
  /** No sync-collection on this collection: fall back to listEtags(). */
  | { kind: 'unsupported' };

export interface FetchedCard {
  href: string;
  etag: string;
  vcard: string;
}

export interface SkippedCard {
  href: string;
  reason: 'too-large' | 'no-data' | string;
  bytes?: number;
}

export interface MultigetResult {
  cards: FetchedCard[];
  /** Asked for, answered 404: deleted meanwhile. */
  missing: string[];
  skipped: SkippedCard[];
}

export interface CardDavClient {
  /** e.g. 'https://dav.example.jp:8443/dav/' */
  readonly baseUrl: string;
  discover(): Promise<Discovery>;
  syncCollection(bookUrl: string, token: string | null): Promise<SyncListing>;
  listEtags(bookUrl: string): Promise<ListedCard[]>;
  /** The collection's CS:getctag (changes with every change in the book), null when none. */
  getCtag(bookUrl: string): Promise<string | null>;
  multiget(bookUrl: string, hrefs: readonly string[]): Promise<MultigetResult>;
  /** addressbook-query: cards with a TEL containing any of `telTexts` (literal substring match). */
  queryByTel(bookUrl: string, telTexts: readonly string[], limit: number, timeoutMs?: number): Promise<FetchedCard[]>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

const DEFAULTS = { timeoutMs: 30_000, maxResponseBytes: 32 * 1024 * 1024, maxDiscoveryBytes: 2 * 1024 * 1024, maxCardBytes: 1024 * 1024 };
const MAX_REDIRECTS = 5;
const USER_AGENT = 'Tsunagu-WebPhonebook/1';
const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const NET_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EADDRNOTAVAIL', 'ECONNABORTED']);

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  url: URL;
}

interface SendOptions {
  method: string;
  body?: string;
  depth?: '0' | '1';
  kind: RequestInfo['kind'];
  hrefs?: number;
  maxBytes: number;
  timeoutMs?: number;
}

export function createCardDavClient(config: CardDavServerConfig, options: CardDavClientOptions = {}): CardDavClient {
  const base = serverBaseUrl(config);
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  const maxDiscoveryBytes = options.maxDiscoveryBytes ?? DEFAULTS.maxDiscoveryBytes;
  const maxCardBytes = options.maxCardBytes ?? DEFAULTS.maxCardBytes;
  // UTF-8 user:password, as every current server reads it (RFC 7617 charset="UTF-8").
  const authorization = `Basic ${Buffer.from(`${config.user}:${config.password}`, 'utf8').toString('base64')}`;
  // The CA is added to the usual roots, not put in their place: a server that later moves to a
  // public certificate keeps working.
  const ca = config.caCertPem?.trim() ? [...tls.rootCertificates, config.caCertPem] : undefined;
  const agent = base.protocol === 'https:'
    ? new https.Agent({ keepAlive: true, maxSockets: 4, ...(ca ? { ca } : {}) })
    : new http.Agent({ keepAlive: true, maxSockets: 4 });

  const sameOrigin = (url: URL) => url.origin === base.origin;

  /** Resolves an href of a response against the request URL; null if it points elsewhere. */
  function resolveHref(href: string, against: URL): URL | null {
    try {
      const url = new URL(href, against);
      return sameOrigin(url) ? url : null;
    } catch {
      return null;
    }
  }

  function send(url: URL, opts: SendOptions, redirects = 0): Promise<Reply> {
    const started = performance.now();
    const payload = opts.body === undefined ? undefined : Buffer.from(XML_HEAD + opts.body, 'utf8');
    const headers: http.OutgoingHttpHeaders = {
      authorization,
      'user-agent': USER_AGENT,
      accept: 'application/xml, text/xml',
      ...(payload ? { 'content-type': 'application/xml; charset=utf-8', 'content-length': payload.length } : {}),
      ...(opts.depth ? { depth: opts.depth } : {}),
    };
    const controller = new AbortController();
    let timedOut = false;
    const limit = opts.timeoutMs ?? timeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limit);
    timer.unref?.();
    const onOuterAbort = () => controller.abort();
    if (options.signal?.aborted) controller.abort();
    else options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const report = (status: number | null) =>
      options.onRequest?.({ method: opts.method, path: url.pathname + url.search, kind: opts.kind, hrefs: opts.hrefs ?? 0, status, tookMs: performance.now() - started });

    const exchange = new Promise<Reply>((resolve, reject) => {
      // Whatever fails first decides; a timeout wins over the errors the abort itself causes.
      const fail = (err: CardDavError) => reject(timedOut ? timeoutError(url, limit) : err);
      const truncated = (status: number) =>
        fail(new CardDavError('bad-response', 'the server closed the connection in the middle of its answer', { reason: 'truncated', status, url: url.href }));
      const requestOptions: https.RequestOptions = {
        method: opts.method,
        agent,
        headers,
        signal: controller.signal,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      };
      const req = (url.protocol === 'https:' ? https : http).request(url, requestOptions, (res) => {
        const status = res.statusCode ?? 0;
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > opts.maxBytes) {
          res.destroy();
          fail(tooLarge(url, declared, opts.maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let ended = false;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) {
            res.destroy();
            fail(tooLarge(url, size, opts.maxBytes));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          ended = true;
          if (!res.complete) truncated(status);
          else resolve({ status, headers: res.headers, body: Buffer.concat(chunks, size), url });
        });
        res.on('aborted', () => truncated(status));
        res.on('error', () => truncated(status));
        res.on('close', () => {
          if (!ended) truncated(status);
        });
      });
      req.on('error', (err) => fail(classifyNetworkError(err, url)));
      req.end(payload);
    });

    return exchange
      .then(
        async (reply) => {
          report(reply.status);
          if ([301, 302, 303, 307, 308].includes(reply.status)) {
            const location = reply.headers.location;
            const target = location ? resolveHref(location, url) : null;
            if (!location || redirects >= MAX_REDIRECTS) {
              throw new CardDavError('not-carddav', location ? 'too many redirects' : 'a redirect without a Location', { reason: 'redirects', status: reply.status, url: url.href });
            }
            if (!target) {
              // The password is not sent to another server on the strength of a redirect.
              throw new CardDavError('not-carddav', `the server redirects to another server (${safeOrigin(location, url)}); enter that address instead`, {
                reason: 'redirect-elsewhere',
                status: reply.status,
                url: url.href,
              });
            }
            return send(target, opts, redirects + 1);
          }
          return reply;
        },
        async (err: unknown) => {
          report(null);
          if (err instanceof CardDavError && err.code === 'tls' && url.protocol === 'https:' && err.reason !== 'not-tls') {
            const certificate = await peerCertificate(url, options.lookup).catch(() => null);
            if (certificate) {
              throw new CardDavError('tls', `${err.message} (certificate: ${certificate.subject}, issued by ${certificate.issuer})`, {
                reason: err.reason,
                certificate,
                url: err.url,
                cause: err.cause,
              });
            }
          }
          throw err;
        },
      )
      .finally(() => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onOuterAbort);
      });
  }

  /** The status every DAV method here must answer; anything else becomes a classified error. */
  function expectMultistatus(reply: Reply, what: string): DavResponse[] {
    if (reply.status === 401 || reply.status === 403) throw authError(reply);
    if (reply.status >= 500) throw new CardDavError('server-error', `the server failed (${reply.status}) on ${what}`, { reason: `status-${reply.status}`, status: reply.status, url: reply.url.href });
    if (reply.status !== 207) {
      throw new CardDavError('not-carddav', `the server answered ${what} with ${reply.status}, not a WebDAV multistatus`, { reason: 'not-dav', status: reply.status, url: reply.url.href });
    }
    const root = xmlOf(reply);
    const responses = multistatus(root);
    if (responses === null) throw new CardDavError('bad-response', `the answer to ${what} is not a DAV:multistatus`, { reason: 'not-multistatus', status: 207, url: reply.url.href });
    return responses;
  }

  function propfind(url: URL, depth: '0' | '1', props: string, kind: RequestInfo['kind'] = 'discover', maxBytes = maxDiscoveryBytes): Promise<Reply> {
    const body = `<d:propfind xmlns:d="DAV:" xmlns:card="${NS_CARDDAV}" xmlns:cs="${NS_CS}"><d:prop>${props}</d:prop></d:propfind>`;
    return send(url, { method: 'PROPFIND', depth, body, kind, maxBytes });
  }

  function hrefsOf(element: XmlElement | undefined, against: URL): URL[] {
    return children(element, NS_DAV, 'href').flatMap((h) => {
      const url = resolveHref(h.text.trim(), against);
      return url ? [url] : [];
    });
  }

  function addressBookOf(response: DavResponse, against: URL): DiscoveredAddressBook | null {
    const resourcetype = prop(response, NS_DAV, 'resourcetype');
    if (!child(resourcetype, NS_CARDDAV, 'addressbook')) return null;
    const url = resolveHref(response.href, against);
    if (!url) return null;
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    const reportSet = prop(response, NS_DAV, 'supported-report-set');
    const reports = children(reportSet, NS_DAV, 'supported-report').flatMap((r) => child(r, NS_DAV, 'report')?.children ?? []);
    const syncToken = prop(response, NS_DAV, 'sync-token')?.text.trim() || null;
    return {
      url: url.href,
      href: url.pathname,
      displayName: prop(response, NS_DAV, 'displayname')?.text.trim() || decodeURIComponentSafe(url.pathname.split('/').filter(Boolean).pop() ?? ''),
      ctag: prop(response, NS_CS, 'getctag')?.text.trim() || null,
      syncToken,
      // Not advertised either way: try it (an unsupported REPORT is answered and falls back).
      supportsSync: syncToken !== null || reportSet === undefined || reports.some((r) => is(r, NS_DAV, 'sync-collection')),
    };
  }

  // Not getctag or sync-token: Radicale computes both by hashing every card of the book, 1.5–2.7 s
  // for 5,000 cards on this machine, against ~10 ms for these three. The sync token comes with
  // sync-collection anyway; the ctag is asked for (getCtag) only where it is used, for books
  // without sync-collection.
  const BOOK_PROPS = '<d:resourcetype/><d:displayname/><d:supported-report-set/>';

  async function discover(): Promise<Discovery> {
    // RFC 6764 §5: with no path, start at /.well-known/carddav; a path the user gave is the
    // context itself (it may be the address book).
    const candidates = base.pathname === '/' ? [new URL('/.well-known/carddav', base), base] : [base];
    let context: { response: DavResponse; url: URL } | null = null;
    let lastError: CardDavError | null = null;
    for (const candidate of candidates) {
      try {
        const reply = await propfind(candidate, '0', `<d:current-user-principal/><card:addressbook-home-set/>${BOOK_PROPS}`);
        const [first] = expectMultistatus(reply, 'PROPFIND');
        if (first) {
          context = { response: first, url: reply.url };
          break;
        }
        lastError = new CardDavError('not-carddav', 'empty PROPFIND answer', { reason: 'not-dav', url: reply.url.href });
      } catch (err) {
        // Wrong password, unreachable, TLS: no point trying the next candidate.
        if (!(err instanceof CardDavError) || (err.code !== 'not-carddav' && err.code !== 'bad-response')) throw err;
        lastError = err;
      }
    }
    if (!context) throw lastError ?? new CardDavError('not-carddav', 'no WebDAV server at this address', { reason: 'not-dav' });

    // The address the user gave is an address book.
    const direct = addressBookOf(context.response, context.url);
    if (direct) return { principalUrl: null, homeUrls: [], addressBooks: [direct] };

    const principalUrl = hrefsOf(prop(context.response, NS_DAV, 'current-user-principal'), context.url)[0] ?? null;
    let homes = hrefsOf(prop(context.response, NS_CARDDAV, 'addressbook-home-set'), context.url);
    if (homes.length === 0 && principalUrl) {
      const reply = await propfind(principalUrl, '0', '<card:addressbook-home-set/>');
      const [principal] = expectMultistatus(reply, 'PROPFIND (principal)');
      homes = principal ? hrefsOf(prop(principal, NS_CARDDAV, 'addressbook-home-set'), reply.url) : [];
    }
    // No home set advertised: the context may itself hold the address books.
    if (homes.length === 0) homes = [principalUrl ?? context.url];

    const books = new Map<string, DiscoveredAddressBook>();
    for (const home of homes) {
      const reply = await propfind(home, '1', BOOK_PROPS);
      for (const response of expectMultistatus(reply, 'PROPFIND (address book home)')) {
        const book = addressBookOf(response, reply.url);
        if (book && !books.has(book.url)) books.set(book.url, book);
      }
    }
    if (books.size === 0) {
      throw new CardDavError('not-carddav', 'the server has no address book for this user', { reason: 'no-addressbook', url: homes[0]?.href ?? null });
    }
    return { principalUrl: principalUrl?.href ?? null, homeUrls: homes.map((h) => h.href), addressBooks: [...books.values()] };
  }

  function bookUrlOf(bookUrl: string): URL {
    const url = new URL(bookUrl);
    if (!sameOrigin(url)) throw new CardDavError('invalid-config', 'address book on another server', { reason: 'origin', url: url.href });
    return url;
  }

  /** Precondition element names in a DAV:error body (RFC 4918 §16), '' when none. */
  function preconditions(reply: Reply): string[] {
    try {
      const root = parseXml(reply.body);
      return is(root, NS_DAV, 'error') ? root.children.map((c) => c.name) : [];
    } catch {
      return [];
    }
  }

  async function syncCollection(bookUrl: string, token: string | null): Promise<SyncListing> {
    const url = bookUrlOf(bookUrl);
    const body =
      `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${escapeXml(token ?? '')}</d:sync-token>` +
      '<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>';
    const reply = await send(url, { method: 'REPORT', body, kind: 'sync-collection', maxBytes: maxResponseBytes });
    if (reply.status === 403 || reply.status === 409 || reply.status === 400) {
      const conditions = preconditions(reply);
      if (conditions.includes('valid-sync-token')) return { kind: 'token-invalid' };
      if (conditions.includes('supported-report') || conditions.includes('sync-collection')) return { kind: 'unsupported' };
    }
    if ([400, 405, 415, 422, 501].includes(reply.status)) return { kind: 'unsupported' };
    const responses = expectMultistatus(reply, 'REPORT sync-collection');
    const root = xmlOf(reply);
    const newToken = child(root, NS_DAV, 'sync-token')?.text.trim();
    if (!newToken) throw new CardDavError('bad-response', 'sync-collection answer without a sync-token', { reason: 'no-sync-token', status: 207, url: url.href });
    const changed: ListedCard[] = [];
    const removed: string[] = [];
    let truncated = false;
    for (const response of responses) {
      const target = resolveHref(response.href, reply.url);
      if (!target) continue;
      if (samePath(target.pathname, url.pathname)) {
        // RFC 6578 §3.6: 507 on the collection itself = more changes than one answer holds.
        if (response.status === 507) truncated = true;
        continue;
      }
      if (response.status === 404) {
        removed.push(target.pathname);
        continue;
      }
      const etag = prop(response, NS_DAV, 'getetag')?.text.trim();
      if (etag) changed.push({ href: target.pathname, etag });
      else if (response.status === null || (response.status >= 200 && response.status < 300)) changed.push({ href: target.pathname, etag: '' });
    }
    return { kind: 'changes', token: newToken, changed, removed, truncated };
  }

  async function listEtags(bookUrl: string): Promise<ListedCard[]> {
    const url = bookUrlOf(bookUrl);
    const reply = await propfind(url, '1', '<d:getetag/><d:resourcetype/>', 'propfind-etags', maxResponseBytes);
    const cards: ListedCard[] = [];
    for (const response of expectMultistatus(reply, 'PROPFIND (ETags)')) {
      const target = resolveHref(response.href, reply.url);
      if (!target || samePath(target.pathname, url.pathname)) continue;
      if (child(prop(response, NS_DAV, 'resourcetype'), NS_DAV, 'collection')) continue;
      const etag = prop(response, NS_DAV, 'getetag')?.text.trim();
      if (etag) cards.push({ href: target.pathname, etag });
    }
    return cards;
  }

  async function getCtag(bookUrl: string): Promise<string | null> {
    const url = bookUrlOf(bookUrl);
    const [response] = expectMultistatus(await propfind(url, '0', '<cs:getctag/>'), 'PROPFIND (ctag)');
    return (response && prop(response, NS_CS, 'getctag')?.text.trim()) || null;
  }

  function cardsOf(responses: DavResponse[], against: URL): MultigetResult {
    const result: MultigetResult = { cards: [], missing: [], skipped: [] };
    for (const response of responses) {
      const target = resolveHref(response.href, against);
      if (!target) continue;
      const href = target.pathname;
      if (response.status === 404) {
        result.missing.push(href);
        continue;
      }
      const data = prop(response, NS_CARDDAV, 'address-data');
      if (!data) {
        result.skipped.push({ href, reason: 'no-data' });
        continue;
      }
      const bytes = Buffer.byteLength(data.text, 'utf8');
      if (bytes > maxCardBytes) {
        result.skipped.push({ href, reason: 'too-large', bytes });
        continue;
      }
      result.cards.push({ href, etag: prop(response, NS_DAV, 'getetag')?.text.trim() ?? '', vcard: data.text });
    }
    return result;
  }

  async function multiget(bookUrl: string, hrefs: readonly string[]): Promise<MultigetResult> {
    const url = bookUrlOf(bookUrl);
    if (hrefs.length === 0) return { cards: [], missing: [], skipped: [] };
    const body =
      `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="${NS_CARDDAV}"><d:prop><d:getetag/><card:address-data/></d:prop>` +
      hrefs.map((href) => `<d:href>${escapeXml(href)}</d:href>`).join('') +
      '</card:addressbook-multiget>';
    const reply = await send(url, { method: 'REPORT', depth: '1', body, kind: 'multiget', hrefs: hrefs.length, maxBytes: maxResponseBytes });
    const result = cardsOf(expectMultistatus(reply, 'REPORT addressbook-multiget'), reply.url);
    // Asked for and not answered at all: report, so the caller does not take silence for "unchanged".
    const answered = new Set([...result.cards.map((c) => c.href), ...result.missing, ...result.skipped.map((s) => s.href)].map(canonicalPath));
    for (const href of hrefs) if (!answered.has(canonicalPath(href))) result.skipped.push({ href, reason: 'not-answered' });
    return result;
  }

  async function queryByTel(bookUrl: string, telTexts: readonly string[], limit: number, queryTimeoutMs?: number): Promise<FetchedCard[]> {
    const url = bookUrlOf(bookUrl);
    const filters = telTexts
      .map((text) => `<card:prop-filter name="TEL"><card:text-match collation="i;unicode-casemap" match-type="contains">${escapeXml(text)}</card:text-match></card:prop-filter>`)
      .join('');
    const body =
      `<card:addressbook-query xmlns:d="DAV:" xmlns:card="${NS_CARDDAV}"><d:prop><d:getetag/><card:address-data/></d:prop>` +
      `<card:filter test="anyof">${filters}</card:filter><card:limit><card:nresults>${Math.max(1, Math.floor(limit))}</card:nresults></card:limit>` +
      '</card:addressbook-query>';
    const reply = await send(url, {
      method: 'REPORT',
      depth: '1',
      body,
      kind: 'query',
      maxBytes: Math.min(maxResponseBytes, 4 * 1024 * 1024),
      ...(queryTimeoutMs === undefined ? {} : { timeoutMs: queryTimeoutMs }),
    });
    return cardsOf(expectMultistatus(reply, 'REPORT addressbook-query'), reply.url).cards;
  }

  return {
    baseUrl: base.href,
    discover,
    syncCollection,
    listEtags,
    getCtag,
    multiget,
    queryByTel,
    close: () => agent.destroy(),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function xmlOf(reply: Reply): XmlElement {
  try {
    return parseXml(reply.body);
  } catch (err) {
    const reason = err instanceof XmlError ? err.reason : 'malformed-xml';
    throw new CardDavError('bad-response', `the server's answer is not well-formed XML (${reason})`, { reason, status: reply.status, url: reply.url.href, cause: err });
  }
}

function authError(reply: Reply): CardDavError {
  return new CardDavError('auth', reply.status === 401 ? 'the server did not accept the user name and password' : 'the server refused access to this user', {
    reason: `status-${reply.status}`,
    status: reply.status,
    url: reply.url.href,
  });
}

function tooLarge(url: URL, size: number, max: number): CardDavError {
  return new CardDavError('bad-response', `the server's answer is larger than ${max} bytes`, { reason: 'too-large', status: null, url: url.href, cause: { size } });
}

function timeoutError(url: URL, ms: number): CardDavError {
  return new CardDavError('timeout', `no complete answer within ${ms} ms`, { reason: 'timeout', url: url.href });
}

/** Node's TLS verification codes (OpenSSL X509_V_ERR_* names and Node's own). */
function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECRYPT)|HOSTNAME_MISMATCH|ISSUER|CHAIN_TOO_LONG|INVALID_CA|INVALID_PURPOSE|KEY_USAGE/.test(code)
  );
}

function classifyNetworkError(err: unknown, url: URL): CardDavError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const message = err instanceof Error ? err.message : String(err);
  if (DNS_CODES.has(code)) return new CardDavError('server-not-found', `the server name ${url.hostname} does not resolve`, { reason: code, url: url.href, cause: err });
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|packet length too long/i.test(message)) {
    return new CardDavError('tls', 'the server does not speak SSL/TLS on this port (turn SSL off, or check the port)', { reason: 'not-tls', url: url.href, cause: err });
  }
  if (isTlsCode(code)) return new CardDavError('tls', `the server's certificate was not accepted (${code})`, { reason: code, url: url.href, cause: err });
  if (NET_CODES.has(code) || /socket hang up/i.test(message)) return new CardDavError('unreachable', `the server did not answer (${code || message})`, { reason: code || 'hang-up', url: url.href, cause: err });
  if (err instanceof Error && err.name === 'AbortError') return new CardDavError('timeout', 'the request was cancelled', { reason: 'cancelled', url: url.href, cause: err });
  return new CardDavError('unreachable', `the connection failed (${code || message})`, { reason: code || null, url: url.href, cause: err });
}

/**
 * What certificate a server presents, to say so in a 'tls' error. A separate TLS handshake
 * without verification, closed right after the handshake: no HTTP request, no credentials, no
 * data is ever sent on it. Bounded to 3 s.
 */
function peerCertificate(url: URL, lookup: LookupFunction | undefined): Promise<CertificateInfo | null> {
  return new Promise((resolve) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      ...(lookup ? { lookup } : {}),
    });
    const done = (info: CertificateInfo | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(info);
    };
    const timer = setTimeout(() => done(null), 3000);
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert || Object.keys(cert).length === 0) return done(null);
      done({
        subject: nameOf(cert.subject),
        issuer: nameOf(cert.issuer),
        validFrom: cert.valid_from,
        validTo: cert.valid_to,
        fingerprint256: cert.fingerprint256,
      });
    });
    socket.once('error', () => done(null));
  });
}

function nameOf(name: tls.PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

function safeOrigin(location: string, against: URL): string {
  try {
    return new URL(location, against).origin;
  } catch {
    return 'an invalid address';
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Paths compare decoded and without a trailing slash (servers differ in both). */
export function canonicalPath(path: string): string {
  return decodeURIComponentSafe(path).replace(/\/+$/, '');
}

function samePath(a: string, b: string): boolean {
  return canonicalPath(a) === canonicalPath(b);
}
