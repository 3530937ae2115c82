// Minimal SIP-over-WebSocket client for lab tests: enough to REGISTER with digest auth and to
// look at raw replies. Uses Node's global WebSocket (Node >= 22). Not a SIP stack: no
// transactions, retransmissions or dialogs (use sip.js for that).

import { createHash, randomBytes } from 'node:crypto';

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

// --- WebSocket transport ------------------------------------------------------------------------

export const token = (bytes = 6) => randomBytes(bytes).toString('hex');

export class SipWsClient {
  /** Random host used in Via/Contact, like SIP.js ("xxxx.invalid"). */
  readonly viaHost = `${token(5)}.invalid`;
  private readonly queue: SipMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private closedFlag = false;
  private readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') return; // Kamailio sends SIP as text frames
      this.queue.push(parseSipMessage(ev.data));
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
