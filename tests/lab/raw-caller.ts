// A raw SIP caller for lab tests: a plain (non-browser) user agent that REGISTERs a lab user
// with digest auth and places INVITEs with whatever From display name and extra headers a test
// wants (hostile caller ids), over UDP or TCP to the lab's Kamailio. It runs just enough of an
// INVITE client transaction (RFC 3261 17.1.1) for a ringing call: retransmits until a
// provisional reply, answers the 407 challenge, ACKs every non-2xx final reply, CANCELs a
// ringing call, and ACK + BYE for a call that was answered after all. No media: the SDP offer
// is a plain RTP/AVP one nobody ever sends to.
//
// Limits that matter for big messages (measured with Kamailio 5.6.3 and this lab's cfg): a UDP
// datagram carries at most 65,507 bytes, and Kamailio reads at most BUF_SIZE (65,535) per
// datagram; over TCP/WS it refuses a message larger than tcp_rd_buf_size (16,384 in the lab
// cfg) and drops the connection. A phone's replies echo the From header back over its
// WebSocket, so a call only rings normally with a display name below ~15.8 kB.

import dgram from 'node:dgram';
import net from 'node:net';
import type { KamailioLab } from './kamailio';
import { authorizationHeader, buildRequest, parseSipMessage, recordRoutes, tagOf, token, uriOf, type SipMessage } from './sip-ws-client';

export type RawTransport = 'udp' | 'tcp';

export interface RawCallerOptions {
  user: string;
  password: string;
  transport?: RawTransport;
}

export interface RawInviteSpec {
  /** The callee's user part (e.g. '1001') or a whole sip: URI. */
  to: string;
  /**
   * The From header's display-name exactly as it goes on the wire, e.g. `"Bob"` or a value from
   * quoteDisplayName(). Omitted: no display name.
   */
  fromDisplay?: string;
  /** Replaces the From URI (default sip:USER@DOMAIN); a foreign domain skips the lab's auth. */
  fromUri?: string;
  /** Further header lines, e.g. 'P-Asserted-Identity: "x" <sip:1009@lab.test>'. */
  headers?: readonly string[];
  /** SDP offer; default a plain RTP/AVP PCMU offer. '' sends no body (late offer). */
  sdp?: string;
}

export interface RawCall {
  readonly callId: string;
  /** Every response to the INVITE(s) of this call, in arrival order (407 included). */
  readonly responses: readonly SipMessage[];
  /** Resolves with the first response to the (authenticated) INVITE with this status. */
  waitForStatus(status: number, timeoutMs?: number): Promise<SipMessage>;
  /** The final response to the INVITE (after auth). */
  readonly final: Promise<SipMessage>;
  /** CANCEL the ringing call; resolves with the INVITE's final response (487 normally). */
  cancel(timeoutMs?: number): Promise<SipMessage>;
  /** Ends the call whatever its state: CANCEL while ringing, BYE once answered. */
  end(): Promise<void>;
}

const ALLOW = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS';
const MAX_UDP_PAYLOAD = 65_507;

/**
 * A display-name as an RFC 3261 quoted-string: `"` and `\` and the control characters a
 * quoted-pair may carry (everything below 0x20 except CR and LF, and DEL) are escaped with a
 * backslash; TAB travels as it is (it is LWS). CR and LF cannot travel in a header at all
 * (they would end it), so they are refused.
 */
export function quoteDisplayName(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error('quoteDisplayName: CR/LF cannot be carried in a SIP header');
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return `"${text.replace(/["\\\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\${c}`)}"`;
}

/** A plain RTP/AVP audio offer (PCMU), never used for media. */
export function plainSdp(port = 40_000): string {
  const id = Date.now();
  return ['v=0', `o=raw ${id} ${id} IN IP4 127.0.0.1`, 's=raw', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
}

interface Transport {
  readonly local: string; // host:port for Via/Contact
  send(text: string): void;
  onMessage: (m: SipMessage) => void;
  close(): void;
}

function openUdp(port: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      sock.off('error', reject);
      sock.on('error', () => {});
      sock.unref();
      const t: Transport = {
        local: `127.0.0.1:${sock.address().port}`,
        send: (text) => sock.send(text, port, '127.0.0.1'),
        onMessage: () => {},
        close: () => sock.close(),
      };
      sock.on('message', (buf) => t.onMessage(parseSipMessage(buf.toString('utf8'))));
      resolve(t);
    });
  });
}

function openTcp(port: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      sock.on('error', () => {});
      sock.unref();
      let pending = Buffer.alloc(0);
      const t: Transport = {
        local: `127.0.0.1:${sock.localPort ?? 0}`,
        send: (text) => void sock.write(text),
        onMessage: () => {},
        close: () => sock.destroy(),
      };
      // Stream framing: headers up to the blank line, then Content-Length bytes of body.
      sock.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          while (pending.length >= 2 && pending[0] === 0x0d && pending[1] === 0x0a) pending = pending.subarray(2); // keepalive CRLFs
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = pending.subarray(0, end).toString('utf8');
          const length = Number(/\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(head)?.[1] ?? 0);
          if (pending.length < end + 4 + length) return;
          const message = pending.subarray(0, end + 4 + length).toString('utf8');
          pending = pending.subarray(end + 4 + length);
          t.onMessage(parseSipMessage(message));
        }
      });
      resolve(t);
    });
  });
}

/**
 * A lab user placing raw calls. open() REGISTERs it (so the lab knows it as a reachable
 * extension); close() unREGISTERs and closes the socket.
 */
export class RawCaller {
  readonly user: string;
  readonly transport: RawTransport;
  private readonly password: string;
  private readonly lab: KamailioLab;
  private readonly t: Transport;
  private readonly listeners = new Set<(m: SipMessage) => void>();
  private regCallId = `raw-reg-${token(6)}`;
  private regCseq = 0;
  private readonly calls: RawCall[] = [];

  private constructor(lab: KamailioLab, options: RawCallerOptions, t: Transport) {
    this.lab = lab;
    this.user = options.user;
    this.password = options.password;
    this.transport = options.transport ?? 'udp';
    this.t = t;
    t.onMessage = (m) => {
      if (m.method !== undefined) this.onRequest(m);
      else for (const listener of [...this.listeners]) listener(m);
    };
  }

  static async open(lab: KamailioLab, options: RawCallerOptions): Promise<RawCaller> {
    const transport = options.transport ?? 'udp';
    const t = transport === 'udp' ? await openUdp(lab.sipPort) : await openTcp(lab.sipPort);
    const caller = new RawCaller(lab, options, t);
    try {
      await caller.register(300);
    } catch (err) {
      t.close();
      throw err;
    }
    return caller;
  }

  private get proto(): string {
    return this.transport.toUpperCase();
  }

  private via(branch = `z9hG4bK${token(8)}`): string {
    return `SIP/2.0/${this.proto} ${this.t.local};branch=${branch};rport`;
  }

  private get contact(): string {
    return `<sip:${this.user}@${this.t.local};transport=${this.transport}>`;
  }

  /** Requests towards us: answered minimally (we never take calls). */
  private onRequest(m: SipMessage): void {
    const reply = (status: number, reason: string) => {
      const lines = [
        `SIP/2.0 ${status} ${reason}`,
        ...m.headers('via').map((v) => `Via: ${v}`),
        `From: ${m.header('from') ?? ''}`,
        `To: ${m.header('to') ?? ''}${tagOf(m.header('to') ?? '') ? '' : `;tag=${token(4)}`}`,
        `Call-ID: ${m.header('call-id') ?? ''}`,
        `CSeq: ${m.header('cseq') ?? ''}`,
        'Content-Length: 0',
      ];
      this.t.send(`${lines.join('\r\n')}\r\n\r\n`);
    };
    if (m.method === 'ACK') return;
    if (m.method === 'INVITE') reply(486, 'Busy Here');
    else reply(200, 'OK');
  }

  /** Sends a non-INVITE request and waits for its final reply (retransmitting over UDP). */
  private request(text: string, timeoutMs = 4000): Promise<SipMessage> {
    const sent = parseSipMessage(text);
    const callId = sent.header('call-id');
    const cseq = sent.header('cseq');
    return new Promise((resolve, reject) => {
      let interval = 500;
      let retransmit: NodeJS.Timeout | undefined;
      const listener = (m: SipMessage) => {
        if (m.header('call-id') !== callId || m.header('cseq') !== cseq || (m.status ?? 0) < 200) return;
        done();
        resolve(m);
      };
      const done = () => {
        clearTimeout(retransmit);
        clearTimeout(deadline);
        this.listeners.delete(listener);
      };
      const again = () => {
        this.t.send(text);
        if (this.transport === 'udp') {
          retransmit = setTimeout(again, interval);
          interval = Math.min(interval * 2, 4000);
        }
      };
      const deadline = setTimeout(() => {
        done();
        reject(new Error(`raw caller: no final response within ${timeoutMs} ms to ${sent.startLine}`));
      }, timeoutMs);
      this.listeners.add(listener);
      again();
    });
  }

  private async register(expires: number): Promise<void> {
    const uri = `sip:${this.lab.domain}`;
    const aor = `<sip:${this.user}@${this.lab.domain}>`;
    const fromTag = token(4);
    const build = (auth?: string) =>
      buildRequest({
        method: 'REGISTER',
        uri,
        via: this.via(),
        from: `${aor};tag=${fromTag}`,
        to: aor,
        callId: this.regCallId,
        cseq: ++this.regCseq,
        contact: `${this.contact};expires=${expires}`,
        headers: [`Expires: ${expires}`, ALLOW, 'User-Agent: tsunagu-lab-raw-caller', ...(auth ? [auth] : [])],
      });
    let reply = await this.request(build());
    if (reply.status === 401 || reply.status === 407) {
      reply = await this.request(build(authorizationHeader(reply, { method: 'REGISTER', uri, username: this.user, password: this.password })));
    }
    if (reply.status !== 200) throw new Error(`raw caller: REGISTER ${this.user} -> ${reply.startLine}`);
  }

  /**
   * Places a call: sends the INVITE (and answers the 407 with credentials by itself). Throws at
   * once when the INVITE cannot fit in a UDP datagram.
   */
  invite(spec: RawInviteSpec): RawCall {
    const ruri = spec.to.startsWith('sip:') ? spec.to : `sip:${spec.to}@${this.lab.domain}`;
    const fromUri = spec.fromUri ?? `sip:${this.user}@${this.lab.domain}`;
    const from = `${spec.fromDisplay !== undefined ? `${spec.fromDisplay} ` : ''}<${fromUri}>;tag=${token(5)}`;
    const to = `<${ruri}>`;
    const callId = `raw-${token(10)}`;
    const sdp = spec.sdp ?? plainSdp();
    const responses: SipMessage[] = [];
    let cseq = 1;
    let via = this.via();
    let finalResponse: SipMessage | null = null;
    let provisional = false;
    let retransmit: NodeJS.Timeout | undefined;
    let answered: SipMessage | null = null;
    let ended = false;
    const waiters = new Set<(m: SipMessage) => void>();
    let resolveFinal: (m: SipMessage) => void = () => {};
    const final = new Promise<SipMessage>((resolve) => (resolveFinal = resolve));

    const build = (auth?: string) =>
      buildRequest({
        method: 'INVITE',
        uri: ruri,
        via,
        from,
        to,
        callId,
        cseq,
        contact: this.contact,
        headers: [ALLOW, 'User-Agent: tsunagu-lab-raw-caller', ...(spec.headers ?? []), ...(auth ? [auth] : [])],
        ...(sdp ? { body: sdp, contentType: 'application/sdp' } : {}),
      });
    const ack = (response: SipMessage) => {
      // Hop-by-hop ACK for a non-2xx final reply (RFC 3261 17.1.1.3): same branch, To with tag.
      const lines = [
        `ACK ${ruri} SIP/2.0`,
        `Via: ${via}`,
        'Max-Forwards: 70',
        `From: ${from}`,
        `To: ${response.header('to') ?? to}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} ACK`,
        'Content-Length: 0',
      ];
      this.t.send(`${lines.join('\r\n')}\r\n\r\n`);
    };
    const sendInvite = (text: string) => {
      let interval = 500;
      const again = () => {
        if (provisional || finalResponse) return;
        this.t.send(text);
        if (this.transport === 'udp') {
          retransmit = setTimeout(again, interval);
          interval = Math.min(interval * 2, 4000);
        }
      };
      clearTimeout(retransmit);
      again();
    };
    const inDialog = (method: 'ACK' | 'BYE', response: SipMessage, n: number) => {
      const routes = recordRoutes(response).reverse();
      return buildRequest({
        method,
        uri: uriOf(response.header('contact') ?? ruri),
        via: this.via(),
        routes,
        from,
        to: response.header('to') ?? to,
        callId,
        cseq: n,
      });
    };
    const listener = (m: SipMessage) => {
      if (m.header('call-id') !== callId) return;
      const [n, method] = (m.header('cseq') ?? '').split(/\s+/);
      if (method !== 'INVITE' || Number(n) !== cseq) return;
      responses.push(m);
      const status = m.status ?? 0;
      if (status < 200) {
        provisional = true;
        clearTimeout(retransmit);
      } else if ((status === 401 || status === 407) && cseq === 1 && !finalResponse) {
        ack(m);
        cseq = 2;
        via = this.via();
        provisional = false;
        sendInvite(build(authorizationHeader(m, { method: 'INVITE', uri: ruri, username: this.user, password: this.password })));
        return;
      } else if (status >= 300) {
        ack(m); // also for retransmissions of the final reply
        if (!finalResponse) {
          finalResponse = m;
          clearTimeout(retransmit);
          resolveFinal(m);
        }
      } else {
        // 2xx: ACK end to end (through the route set), then hang up unless someone wants it.
        this.t.send(inDialog('ACK', m, cseq));
        if (!finalResponse) {
          finalResponse = m;
          answered = m;
          clearTimeout(retransmit);
          resolveFinal(m);
        }
      }
      for (const w of [...waiters]) w(m);
    };
    this.listeners.add(listener);

    const waitForStatus = (status: number, timeoutMs = 10_000) =>
      new Promise<SipMessage>((resolve, reject) => {
        const found = responses.find((r) => r.status === status && Number((r.header('cseq') ?? '').split(/\s+/)[0]) === cseq);
        if (found) {
          resolve(found);
          return;
        }
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`raw caller: no ${status} for ${callId} within ${timeoutMs} ms (got ${responses.map((r) => r.status).join(', ') || 'nothing'})`));
        }, timeoutMs);
        const waiter = (m: SipMessage) => {
          if (m.status !== status) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        waiters.add(waiter);
      });

    const cancel = async (timeoutMs = 10_000): Promise<SipMessage> => {
      if (finalResponse) return finalResponse;
      // CANCEL: same Request-URI, Via branch, From, To, Call-ID and CSeq number (RFC 3261 9.1).
      const lines = [`CANCEL ${ruri} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} CANCEL`, 'Content-Length: 0'];
      const reply = await this.request(`${lines.join('\r\n')}\r\n\r\n`, timeoutMs);
      if (reply.status !== 200 && !finalResponse) throw new Error(`raw caller: CANCEL ${callId} -> ${reply.startLine}`);
      return Promise.race([
        final,
        new Promise<SipMessage>((_, reject) => setTimeout(() => reject(new Error(`raw caller: no final response after CANCEL of ${callId}`)), timeoutMs).unref()),
      ]);
    };

    const end = async (): Promise<void> => {
      if (ended) return;
      ended = true;
      try {
        if (!finalResponse) await cancel().catch(() => undefined);
        // A 2xx may have crossed the CANCEL: such a call is hung up with a BYE.
        if (answered) await this.request(inDialog('BYE', answered, cseq + 1));
      } finally {
        clearTimeout(retransmit);
        this.listeners.delete(listener);
      }
    };

    // invite() checks the size up front: a datagram that cannot be sent would only time out.
    const authRoom = 512; // the Proxy-Authorization line of the second INVITE
    const size = Buffer.byteLength(build()) + authRoom;
    if (this.transport === 'udp' && size > MAX_UDP_PAYLOAD) {
      this.listeners.delete(listener);
      throw new Error(`raw caller: an INVITE of ~${size} bytes does not fit in one UDP datagram (max ${MAX_UDP_PAYLOAD})`);
    }
    sendInvite(build());
    const call: RawCall = { callId, responses, waitForStatus, final, cancel, end };
    this.calls.push(call);
    return call;
  }

  /** Ends open calls, unREGISTERs (best effort) and closes the socket. */
  async close(): Promise<void> {
    await Promise.allSettled(this.calls.map((c) => c.end()));
    if (this.lab.isRunning()) await this.register(0).catch(() => undefined);
    this.t.close();
  }
}
