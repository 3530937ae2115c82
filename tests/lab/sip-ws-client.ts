// Minimal SIP helpers for lab tests: a SIP-over-WebSocket client (REGISTER with digest auth,
// raw requests and replies), message parsing and building, and a plain-SIP UDP endpoint (used
// by the lab's "voicemail system" and the park holder). Uses Node's global WebSocket
// (Node >= 22). Not a SIP stack: no dialogs, and transactions only as far as a UDP request
// needs them (retransmit until a final reply) - use sip.js for real phones.

import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

export interface SipMessage {
  readonly raw: string;
  readonly startLine: string;
  /** Set for responses. */
  readonly status?: number;
  readonly reason?: string;
  /** Set for requests. */
  readonly method?: string;
  readonly body: string;
  /** First value of a header (case-insensitive, compact forms understood). */
  header(name: string): string | undefined;
  /** All values of a header, in order. */
  headers(name: string): string[];
}

const COMPACT: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  f: 'from',
  t: 'to',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
};

export function parseSipMessage(raw: string): SipMessage {
  const sep = raw.indexOf('\r\n\r\n');
  const head = sep >= 0 ? raw.slice(0, sep) : raw;
  const body = sep >= 0 ? raw.slice(sep + 4) : '';
  // Unfold continuation lines (RFC 3261 7.3.1).
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const startLine = lines.shift() ?? '';
  const map = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const list = map.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    map.set(name, list);
  }
  const headers = (name: string) => {
    const key = name.toLowerCase();
    return [...(map.get(COMPACT[key] ?? key) ?? [])];
  };
  const status = /^SIP\/2\.0 (\d{3})(?: (.*))?$/.exec(startLine);
  const request = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(startLine);
  return {
    raw,
    startLine,
    ...(status ? { status: Number(status[1]), reason: status[2] ?? '' } : {}),
    ...(request ? { method: request[1] } : {}),
    body,
    header: (name) => headers(name)[0],
    headers,
  };
}

// --- Digest (RFC 2617 / RFC 3261 22.4), MD5 only ---------------------------------------------

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm?: string;
  /** qop options offered, e.g. ['auth']; empty when the server offered none. */
  qop: string[];
  stale?: boolean;
}

export function parseDigestChallenge(value: string): DigestChallenge {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) throw new Error(`not a Digest challenge: ${value}`);
  const params = new Map<string, string>();
  for (const p of (m[1] ?? '').matchAll(/([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params.set((p[1] ?? '').toLowerCase(), p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? ''));
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) throw new Error(`challenge without realm/nonce: ${value}`);
  const algorithm = params.get('algorithm');
  if (algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') {
    throw new Error(`unsupported digest algorithm ${algorithm}`);
  }
  const opaque = params.get('opaque');
  const qop = (params.get('qop') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return {
    realm,
    nonce,
    qop,
    ...(opaque !== undefined ? { opaque } : {}),
    ...(algorithm !== undefined ? { algorithm } : {}),
    ...(params.has('stale') ? { stale: params.get('stale')?.toLowerCase() === 'true' } : {}),
  };
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Value of an Authorization / Proxy-Authorization header. Uses qop=auth when offered. */
export function digestAuthorization(opts: {
  challenge: DigestChallenge;
  method: string;
  uri: string;
  username: string;
  password: string;
  nc?: number;
  cnonce?: string;
}): string {
  const { challenge: ch, method, uri, username, password } = opts;
  const ha1 = md5(`${username}:${ch.realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const parts = [
    `username="${username}"`,
    `realm="${ch.realm}"`,
    `nonce="${ch.nonce}"`,
    `uri="${uri}"`,
  ];
  let response: string;
  if (ch.qop.includes('auth')) {
    const nc = (opts.nc ?? 1).toString(16).padStart(8, '0');
    const cnonce = opts.cnonce ?? randomBytes(8).toString('hex');
    response = md5(`${ha1}:${ch.nonce}:${nc}:${cnonce}:auth:${ha2}`);
    parts.push(`response="${response}"`, 'algorithm=MD5', `cnonce="${cnonce}"`, 'qop=auth', `nc=${nc}`);
  } else {
    response = md5(`${ha1}:${ch.nonce}:${ha2}`);
    parts.push(`response="${response}"`, 'algorithm=MD5');
  }
  if (ch.opaque !== undefined) parts.push(`opaque="${ch.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

/** `Authorization: …` (401) or `Proxy-Authorization: …` (407) line answering `challenge`. */
export function authorizationHeader(
  challenge: SipMessage,
  opts: { method: string; uri: string; username: string; password: string },
): string {
  const proxy = challenge.status === 407;
  const value = challenge.header(proxy ? 'proxy-authenticate' : 'www-authenticate');
  if (!value) throw new Error(`${challenge.status} without a challenge header:\n${challenge.raw}`);
  const auth = digestAuthorization({ challenge: parseDigestChallenge(value), ...opts });
  return `${proxy ? 'Proxy-Authorization' : 'Authorization'}: ${auth}`;
}

// --- Building messages (transport-neutral) ------------------------------------------------------

/** The URI of a name-addr (`"Bob" <sip:bob@x>;tag=1` -> `sip:bob@x`) or of a bare URI header value. */
export const uriOf = (nameAddr: string): string => /<([^>]+)>/.exec(nameAddr)?.[1] ?? (nameAddr.split(';')[0] ?? '').trim();
/** The tag parameter of a From/To value ('' when none). */
export const tagOf = (nameAddr: string): string => /;\s*tag=([^;>\s]+)/i.exec(nameAddr.replace(/<[^>]*>/, ''))?.[1] ?? '';

/** Record-Route entries of a message, one per hop (comma-joined values split), in order. */
export function recordRoutes(m: SipMessage): string[] {
  return m.headers('record-route').flatMap((v) => v.split(/,(?=\s*<)/).map((x) => x.trim()));
}

export interface RequestSpec {
  method: string;
  uri: string;
  /** Via header value (SipWsClient.via() or a UDP one). */
  via: string;
  /** From header value, with ;tag=. */
  from: string;
  /** To header value (with ;tag= inside a dialog). */
  to: string;
  callId: string;
  cseq: number;
  /** Route header values, in order. */
  routes?: readonly string[];
  /** Contact header value. */
  contact?: string;
  /** Any further header lines, e.g. 'Event: dialog'. */
  headers?: readonly string[];
  body?: string;
  contentType?: string;
}

export function buildRequest(spec: RequestSpec): string {
  const body = spec.body ?? '';
  const lines = [
    `${spec.method} ${spec.uri} SIP/2.0`,
    `Via: ${spec.via}`,
    'Max-Forwards: 70',
    ...(spec.routes ?? []).map((r) => `Route: ${r}`),
    `From: ${spec.from}`,
    `To: ${spec.to}`,
    `Call-ID: ${spec.callId}`,
    `CSeq: ${spec.cseq} ${spec.method}`,
    ...(spec.contact !== undefined ? [`Contact: ${spec.contact}`] : []),
    ...(spec.headers ?? []),
    ...(body && spec.contentType ? [`Content-Type: ${spec.contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

export interface ResponseSpec {
  /** Our tag, added to To when the request had none (dialog-creating replies). */
  toTag?: string;
  contact?: string;
  headers?: readonly string[];
  body?: string;
  contentType?: string;
}

/** A response to `request` (Via, Record-Route, From, To, Call-ID and CSeq copied, RFC 3261 8.2.6). */
export function buildResponse(request: SipMessage, status: number, reason: string, spec: ResponseSpec = {}): string {
  const body = spec.body ?? '';
  const to = request.header('to') ?? '';
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...request.headers('via').map((v) => `Via: ${v}`),
    ...request.headers('record-route').map((r) => `Record-Route: ${r}`),
    `From: ${request.header('from') ?? ''}`,
    `To: ${to}${spec.toTag && !tagOf(to) ? `;tag=${spec.toTag}` : ''}`,
    `Call-ID: ${request.header('call-id') ?? ''}`,
    `CSeq: ${request.header('cseq') ?? ''}`,
    ...(spec.contact !== undefined ? [`Contact: ${spec.contact}`] : []),
    ...(spec.headers ?? []),
    ...(body && spec.contentType ? [`Content-Type: ${spec.contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Is `m` the final (>= 200) response to the request with this Call-ID and CSeq number? */
export const isFinalFor = (m: SipMessage, callId: string, cseq: number): boolean =>
  m.status !== undefined && m.status >= 200 && m.header('call-id') === callId && (m.header('cseq') ?? '').split(/\s+/)[0] === String(cseq);

// --- Plain SIP over UDP ---------------------------------------------------------------------------

export interface UdpPeer {
  host: string;
  port: number;
}

/**
 * A SIP endpoint on a UDP socket bound to 127.0.0.1 (ephemeral port): the way non-browser lab
 * peers (voicemail PUBLISHes, the park holder) talk to Kamailio. Requests are retransmitted
 * (RFC 3261 timer E, doubling from 500 ms) until a final reply or the timeout; incoming
 * requests go to onRequest. The socket never keeps the process alive by itself.
 */
export class SipUdpEndpoint {
  readonly port: number;
  private readonly sock: dgram.Socket;
  private readonly pending = new Map<string, { reply: (m: SipMessage) => void; abort: () => void }>();
  private closed = false;
  /** Incoming requests (responses are matched to request()). */
  onRequest: (m: SipMessage, from: UdpPeer) => void = () => {};

  private constructor(sock: dgram.Socket) {
    this.sock = sock;
    this.port = sock.address().port;
    sock.on('message', (buf, rinfo) => {
      const m = parseSipMessage(buf.toString('utf8'));
      if (m.status !== undefined) {
        this.pending.get(`${m.header('call-id')} ${(m.header('cseq') ?? '').split(/\s+/)[0]}`)?.reply(m);
      } else if (m.method) {
        this.onRequest(m, { host: rinfo.address, port: rinfo.port });
      }
    });
    sock.unref();
  }

  static open(): Promise<SipUdpEndpoint> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => {
        sock.off('error', reject);
        sock.on('error', () => {}); // e.g. ICMP port unreachable: the retransmit timer handles it
        resolve(new SipUdpEndpoint(sock));
      });
    });
  }

  /** A Via header value for a new request from this endpoint. */
  via(branch = `z9hG4bK${token(8)}`): string {
    return `SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`;
  }

  send(text: string, to: UdpPeer): void {
    if (!this.closed) this.sock.send(text, to.port, to.host);
  }

  /** Sends a non-INVITE request; resolves with its final response, rejects after timeoutMs. */
  request(text: string, to: UdpPeer, timeoutMs = 4000): Promise<SipMessage> {
    const m = parseSipMessage(text);
    const key = `${m.header('call-id')} ${(m.header('cseq') ?? '').split(/\s+/)[0]}`;
    return new Promise((resolve, reject) => {
      let interval = 500;
      let retransmit: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(retransmit);
        clearTimeout(deadline);
        this.pending.delete(key);
      };
      const again = () => {
        this.send(text, to);
        retransmit = setTimeout(again, interval);
        interval = Math.min(interval * 2, 4000);
      };
      const deadline = setTimeout(() => {
        done();
        reject(new Error(`no final response within ${timeoutMs} ms to ${m.startLine}`));
      }, timeoutMs);
      const abort = () => {
        done();
        reject(new Error(`${m.startLine}: endpoint closed`));
      };
      if (this.closed) {
        abort();
        return;
      }
      this.pending.set(key, {
        reply: (reply) => {
          if ((reply.status ?? 0) < 200) return;
          done();
          resolve(reply);
        },
        abort,
      });
      again();
    });
  }

  /** Closes the socket; requests still waiting for a reply reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()]) p.abort();
    this.sock.close();
  }
}

// --- WebSocket transport ------------------------------------------------------------------------

export const token = (bytes = 6) => randomBytes(bytes).toString('hex');

export class SipWsClient {
  /** Random host used in Via/Contact, like SIP.js ("xxxx.invalid"). */
  readonly viaHost = `${token(5)}.invalid`;
  private readonly queue: SipMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly handlers = new Set<{ pred: (m: SipMessage) => boolean; handle: (m: SipMessage) => void }>();
  private closedFlag = false;
  private readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') return; // Kamailio sends SIP as text frames
      const m = parseSipMessage(ev.data);
      for (const h of this.handlers) {
        if (h.pred(m)) {
          h.handle(m);
          return;
        }
      }
      this.queue.push(m);
      this.wake();
    });
    ws.addEventListener('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  /** Opens a WebSocket with subprotocol "sip"; rejects if it cannot connect within timeoutMs. */
  static connect(url: string, timeoutMs = 3000): Promise<SipWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'sip');
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`WebSocket ${url}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = () => {
        clearTimeout(timer);
        reject(new Error(`WebSocket ${url}: connection failed`));
      };
      ws.addEventListener('error', fail, { once: true });
      ws.addEventListener(
        'open',
        () => {
          clearTimeout(timer);
          ws.removeEventListener('error', fail);
          if (ws.protocol !== 'sip') {
            ws.close();
            reject(new Error(`WebSocket ${url}: server chose subprotocol "${ws.protocol}"`));
            return;
          }
          resolve(new SipWsClient(ws));
        },
        { once: true },
      );
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send(message: string): void {
    this.ws.send(message);
  }

  /** A Via header value for a new request from this client (fresh branch unless given). */
  via(branch = `z9hG4bK${token(8)}`): string {
    return `SIP/2.0/WS ${this.viaHost};branch=${branch}`;
  }

  /**
   * Hands every message matching `pred` (queued ones first) to `handle` instead of queueing
   * it, e.g. to answer NOTIFYs or BYEs as they come. Returns a function that stops it.
   */
  serve(pred: (m: SipMessage) => boolean, handle: (m: SipMessage) => void): () => void {
    const entry = { pred, handle };
    this.handlers.add(entry);
    for (let i = this.queue.findIndex(pred); i >= 0; i = this.queue.findIndex(pred)) {
      handle(this.queue.splice(i, 1)[0] as SipMessage);
    }
    return () => void this.handlers.delete(entry);
  }

  /** Next received message matching `pred` (buffered ones first); rejects after timeoutMs. */
  waitFor(pred: (m: SipMessage) => boolean, timeoutMs = 3000): Promise<SipMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const i = this.queue.findIndex(pred);
        if (i >= 0) {
          const [m] = this.queue.splice(i, 1);
          finish();
          resolve(m as SipMessage);
          return true;
        }
        if (this.closedFlag) {
          finish();
          reject(new Error('WebSocket closed while waiting for a SIP message'));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching SIP message within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      this.waiters.add(waiter);
      check();
    });
  }

  close(): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.addEventListener('close', () => resolve(), { once: true });
      this.ws.close();
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

// --- REGISTER -----------------------------------------------------------------------------------

export interface RegisterOptions {
  user: string;
  password: string;
  domain: string;
  expires?: number;
  timeoutMs?: number;
}

export interface RegisterResult {
  /** Reply to the REGISTER without credentials (normally 401). */
  challenge: SipMessage;
  /** Final reply to the REGISTER with credentials (or `challenge` if it was not a 401/407). */
  final: SipMessage;
}

/**
 * REGISTER like SIP.js does (Via/Contact host *.invalid, transport=ws): first without
 * credentials, then once more answering the 401/407 digest challenge.
 */
export async function register(client: SipWsClient, opts: RegisterOptions): Promise<RegisterResult> {
  const { user, password, domain } = opts;
  const expires = opts.expires ?? 600;
  const timeoutMs = opts.timeoutMs ?? 3000;
  const callId = `${token(10)}`;
  const fromTag = token(5);
  const contact = `<sip:${token(4)}@${client.viaHost};transport=ws>;expires=${expires}`;
  const ruri = `sip:${domain}`;
  let cseq = 1;

  const send = async (authorization?: string): Promise<SipMessage> => {
    const n = cseq++;
    const lines = [
      `REGISTER ${ruri} SIP/2.0`,
      `Via: SIP/2.0/WS ${client.viaHost};branch=z9hG4bK${token(8)}`,
      'Max-Forwards: 70',
      `To: <sip:${user}@${domain}>`,
      `From: <sip:${user}@${domain}>;tag=${fromTag}`,
      `Call-ID: ${callId}`,
      `CSeq: ${n} REGISTER`,
      `Contact: ${contact}`,
      `Expires: ${expires}`,
      'Allow: ACK,CANCEL,INVITE,MESSAGE,BYE,OPTIONS,INFO,NOTIFY,REFER',
      'Supported: path, gruu, outbound',
      'User-Agent: tsunagu-lab-sip-ws-client',
      ...(authorization ? [authorization] : []),
      'Content-Length: 0',
    ];
    client.send(`${lines.join('\r\n')}\r\n\r\n`);
    return client.waitFor(
      (m) =>
        m.status !== undefined &&
        m.status >= 200 &&
        m.header('call-id') === callId &&
        m.header('cseq') === `${n} REGISTER`,
      timeoutMs,
    );
  };

  const challenge = await send();
  if (challenge.status !== 401 && challenge.status !== 407) return { challenge, final: challenge };
  const proxy = challenge.status === 407;
  const value = challenge.header(proxy ? 'proxy-authenticate' : 'www-authenticate');
  if (!value) throw new Error(`${challenge.status} without a challenge header:\n${challenge.raw}`);
  const auth = digestAuthorization({
    challenge: parseDigestChallenge(value),
    method: 'REGISTER',
    uri: ruri,
    username: user,
    password,
  });
  const final = await send(`${proxy ? 'Proxy-Authorization' : 'Authorization'}: ${auth}`);
  return { challenge, final };
}
