// Proves the Kamailio lab harness against the real server (Kamailio 5.6 from Debian):
// start on free ports, SIP-over-WebSocket REGISTER with digest auth, usrloc lookup,
// stop/start on the same ports, kill, dispose; then the PBX features the line pad uses (BLF,
// MWI, pickup codes) and the park holder behind rtpengine, with plain SIP clients (no media).
//
//   npx vitest run tests/lab/
//   tests/lab/in-loopback-netns.sh npx vitest run tests/lab/

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CREDENTIALS_DB, PRESENCE_DB, startKamailio, type KamailioLab } from './kamailio';
import { startParkServer, type ParkServer } from './park-server';
import {
  SipWsClient,
  authorizationHeader,
  buildRequest,
  buildResponse,
  isFinalFor,
  parseDigestChallenge,
  recordRoutes,
  register,
  tagOf,
  token,
  uriOf,
  type SipMessage,
} from './sip-ws-client';

const elapsed = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

/** Resolves when connecting fails; rejects if a WebSocket could be opened. */
async function expectWsRefused(url: string): Promise<void> {
  let client: SipWsClient | undefined;
  try {
    client = await SipWsClient.connect(url, 2000);
  } catch {
    return;
  }
  await client.close();
  throw new Error(`WebSocket to ${url} unexpectedly succeeded`);
}

async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Kamailio lab harness', () => {
  let lab: KamailioLab;
  const others: KamailioLab[] = [];
  const timings: Record<string, number> = {};

  beforeEach((ctx) => {
    // On failure, show what Kamailio said.
    ctx.onTestFailed(() => {
      if (lab) console.error(`--- Kamailio log tail (${lab.dir}) ---\n${lab.log().split('\n').slice(-60).join('\n')}`);
    });
  });

  afterAll(async () => {
    await lab?.dispose();
    for (const o of others) await o.dispose();
    console.info(`lab timings (ms): ${JSON.stringify(timings)}`);
  });

  it('starts on free loopback ports in a temp folder', async () => {
    const t0 = performance.now();
    lab = await startKamailio();
    timings.startKamailio = elapsed(t0);

    expect(lab.domain).toBe('lab.test');
    expect(lab.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(lab.sipPort).toBeGreaterThan(0);
    expect(lab.wsUrl).not.toBe(`ws://127.0.0.1:${lab.sipPort}`);
    expect(lab.users.map((u) => u.user)).toEqual(['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009']);
    expect(lab.users[0]).toEqual({ user: '1001', password: 'pass1001' });
    expect(lab.isRunning()).toBe(true);
    expect(existsSync(`${lab.dir}/kamailio.cfg`)).toBe(true);
    expect(existsSync(path.join(lab.dir, CREDENTIALS_DB))).toBe(true);
    expect(existsSync(path.join(lab.dir, PRESENCE_DB))).toBe(true);
    expect(lab.log()).toContain('Listening on');
    // No media relay unless asked for: the rtpengine module is not even loaded.
    expect(lab.rtpengineNg).toBeNull();
    expect(readFileSync(`${lab.dir}/kamailio.cfg`, 'utf8')).not.toMatch(/^#!define WITH_RTPENGINE/m);
    // "well under 1 s" on this box; generous bound against a slow CI machine.
    expect(timings.startKamailio).toBeLessThan(3000);
  });

  it('challenges a REGISTER without credentials with 401 realm="lab.test", accepts the digest answer', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    try {
      const { challenge, final } = await register(client, { user: '1001', password: 'pass1001', domain: lab.domain });
      expect(challenge.startLine).toMatch(/^SIP\/2\.0 401 /);
      const www = challenge.header('www-authenticate') ?? '';
      expect(www).toContain('realm="lab.test"');
      expect(parseDigestChallenge(www).qop).toContain('auth'); // the cfg offers qop=auth

      expect(final.startLine).toMatch(/^SIP\/2\.0 200 /);
      const contacts = await lab.lookup('1001');
      expect(contacts).toHaveLength(1);
      expect(contacts[0]).toMatch(/^sip:[^@]+@[a-z0-9]+\.invalid;transport=ws$/);
      expect(await lab.lookup('1002')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('rejects a wrong password with 401/403 and registers nothing', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    try {
      const { challenge, final } = await register(client, { user: '1002', password: 'wrong', domain: lab.domain });
      expect(challenge.status).toBe(401);
      expect([401, 403]).toContain(final.status);
      expect(await lab.lookup('1002')).toEqual([]);
      // An unknown user gets no further either.
      const unknown = await register(client, { user: '4242', password: 'pass4242', domain: lab.domain });
      expect([401, 403, 404]).toContain(unknown.final.status);
    } finally {
      await client.close();
    }
  });

  it('answers a right password with 200 while the presence server is writing (credentials are a file of their own)', async () => {
    // Kamailio's db_sqlite fails a query at once on another process's lock. Hold the presence
    // file's write lock, as the presence server does while it stores a new subscription: the
    // credentials must still be read (on a shared file this REGISTER was answered 401).
    const presence = new Database(path.join(lab.dir, PRESENCE_DB));
    const client = await SipWsClient.connect(lab.wsUrl);
    try {
      presence.exec('BEGIN EXCLUSIVE');
      const { final } = await register(client, { user: '1009', password: 'pass1009', domain: lab.domain });
      expect(final.status).toBe(200);
      expect(await lab.lookup('1009')).toHaveLength(1);
    } finally {
      if (presence.inTransaction) presence.exec('ROLLBACK');
      presence.close();
      await client.close();
    }
  });

  it('drops the contact when its WebSocket closes (usrloc handle_lost_tcp)', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    const { final } = await register(client, { user: '1003', password: 'pass1003', domain: lab.domain });
    expect(final.status).toBe(200);
    expect(await lab.lookup('1003')).toHaveLength(1);
    await client.close();
    const t0 = performance.now();
    expect(await waitUntil(async () => (await lab.lookup('1003')).length === 0, 3000)).toBe(true);
    timings.lostTcpRemoval = elapsed(t0);
  });

  it('stop() closes the WebSocket port; start() comes back on the same ports', async () => {
    const { wsUrl, sipPort } = lab;
    let t0 = performance.now();
    await lab.stop();
    timings.stop = elapsed(t0);
    expect(lab.isRunning()).toBe(false);
    await expectWsRefused(wsUrl);

    t0 = performance.now();
    await lab.start();
    timings.restart = elapsed(t0);
    expect(lab.isRunning()).toBe(true);
    expect(lab.wsUrl).toBe(wsUrl);
    expect(lab.sipPort).toBe(sipPort);
    expect(lab.log().match(/===== tsunagu lab: start #/g)).toHaveLength(2);

    // usrloc is in memory: the restart forgot 1001; it can register again.
    expect(await lab.lookup('1001')).toEqual([]);
    const client = await SipWsClient.connect(lab.wsUrl);
    try {
      const { final } = await register(client, { user: '1001', password: 'pass1001', domain: lab.domain });
      expect(final.status).toBe(200);
      expect(await lab.lookup('1001')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('kill() takes down every Kamailio process (port closed), start() recovers', async () => {
    const client = await SipWsClient.connect(lab.wsUrl);
    let t0 = performance.now();
    await lab.kill();
    timings.kill = elapsed(t0);
    expect(lab.isRunning()).toBe(false);
    // The WS connection was served by a worker; it must be gone with the main process.
    await expect(client.waitFor(() => false, 2000)).rejects.toThrow(/closed/);
    await expectWsRefused(lab.wsUrl);

    t0 = performance.now();
    await lab.start();
    timings.restartAfterKill = elapsed(t0);
    const again = await SipWsClient.connect(lab.wsUrl);
    try {
      const { final } = await register(again, { user: '1004', password: 'pass1004', domain: lab.domain });
      expect(final.status).toBe(200);
    } finally {
      await again.close();
    }
  });

  it('runs a second, independent lab with its own domain and users', async () => {
    const other = await startKamailio({ domain: 'other.test', users: [{ user: 'alice', password: 's3cret' }] });
    others.push(other);
    expect(other.wsUrl).not.toBe(lab.wsUrl);
    expect(other.dir).not.toBe(lab.dir);
    const client = await SipWsClient.connect(other.wsUrl);
    try {
      const { challenge, final } = await register(client, { user: 'alice', password: 's3cret', domain: 'other.test' });
      expect(challenge.header('www-authenticate')).toContain('realm="other.test"');
      expect(final.status).toBe(200);
      expect(await other.lookup('alice')).toHaveLength(1);
      expect(await lab.lookup('alice')).toEqual([]);
    } finally {
      await client.close();
    }
    await expect(startKamailio({ domain: '127.0.0.1' })).rejects.toThrow(/domain/);
  });

  it('dispose() stops Kamailio and removes the temp folder', async () => {
    const { dir, wsUrl } = lab;
    const t0 = performance.now();
    await lab.dispose();
    timings.dispose = elapsed(t0);
    expect(lab.isRunning()).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await expectWsRefused(wsUrl);
    expect(lab.log()).toContain('Listening on'); // still available after the folder is gone
    await lab.dispose(); // idempotent
    await expect(lab.start()).rejects.toThrow(/dispose/);
  });
});

// ---------------------------------------------------------------------------------------------
// PBX features: a few plain SIP-over-WS phones (sip-ws-client.ts), no media.

/** One dialog element of a dialog-info document (regex parse: enough for Kamailio's output). */
interface DialogInfo {
  callId: string;
  state: string;
  direction: string;
  remote: string;
}
function dialogsOf(body: string): DialogInfo[] {
  return [...body.matchAll(/<dialog\s([^>]*)>([\s\S]*?)<\/dialog>/g)].map((m) => {
    const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1] ?? '')?.[1] ?? '';
    return {
      callId: attr('call-id'),
      state: /<state[^>]*>([a-z]+)<\/state>/.exec(m[2] ?? '')?.[1] ?? '',
      direction: attr('direction'),
      remote: /<remote>\s*<identity[^>]*>([^<]+)<\/identity>/.exec(m[2] ?? '')?.[1] ?? '',
    };
  });
}
/** A lamp is lit while any dialog of the document is not terminated. */
const lit = (body: string) => dialogsOf(body).some((d) => d.state !== 'terminated');

const FAKE_SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

interface Subscription {
  event: string;
  /** Who is watched (the SUBSCRIBE's To URI). */
  uri: string;
  callId: string;
  fromTag: string;
  toTag: string;
  /** Contact of the 200: where in-dialog SUBSCRIBEs go (Kamailio's server_address). */
  remoteTarget: string;
  cseq: number;
}

/** An INVITE we sent, and its dialog once answered. */
class OutgoingCall {
  readonly phone: WsPhone;
  readonly callId: string;
  readonly fromTag: string;
  readonly uri: string;
  cseq: number;
  via: string;
  private dialog: { toTag: string; target: string; routes: string[] } | null = null;

  constructor(phone: WsPhone, uri: string, callId: string, fromTag: string, cseq: number, via: string) {
    this.phone = phone;
    this.uri = uri;
    this.callId = callId;
    this.fromTag = fromTag;
    this.cseq = cseq;
    this.via = via;
  }

  /** The next response to our INVITE with this status. */
  response(status: number, timeoutMs = 3000): Promise<SipMessage> {
    const cseq = `${this.cseq} INVITE`;
    return this.phone.client.waitFor((m) => m.status === status && m.header('call-id') === this.callId && m.header('cseq') === cseq, timeoutMs);
  }

  /** ACK a final response: a 2xx end to end along the route set, anything else hop by hop. */
  ack(final: SipMessage): void {
    const status = final.status ?? 0;
    if (status >= 200 && status < 300) {
      this.dialog = {
        toTag: tagOf(final.header('to') ?? ''),
        target: uriOf(final.header('contact') ?? ''),
        routes: recordRoutes(final).reverse(),
      };
      this.phone.client.send(this.inDialog('ACK', this.cseq));
    } else {
      this.phone.client.send(
        buildRequest({ method: 'ACK', uri: this.uri, via: this.via, from: this.from, to: final.header('to') ?? '', callId: this.callId, cseq: this.cseq }),
      );
    }
  }

  async bye(): Promise<SipMessage> {
    const cseq = ++this.cseq;
    this.phone.client.send(this.inDialog('BYE', cseq));
    return this.phone.client.waitFor((m) => isFinalFor(m, this.callId, cseq));
  }

  private get from(): string {
    return `<${this.phone.aor}>;tag=${this.fromTag}`;
  }

  private inDialog(method: string, cseq: number): string {
    if (!this.dialog) throw new Error(`${method} before the call was answered`);
    return buildRequest({
      method,
      uri: this.dialog.target,
      via: this.phone.client.via(),
      routes: this.dialog.routes,
      from: this.from,
      to: `<${this.uri}>;tag=${this.dialog.toTag}`,
      callId: this.callId,
      cseq,
    });
  }
}

/**
 * A registered SIP-over-WS phone: answers every NOTIFY and BYE with 200 (and keeps them),
 * sends requests answering Kamailio's 407 challenge. Just enough SIP for the lab's features.
 */
class WsPhone {
  readonly client: SipWsClient;
  readonly user: string;
  readonly aor: string;
  readonly contact: string;
  readonly notifies: SipMessage[] = [];
  readonly byes: SipMessage[] = [];
  private readonly lab: KamailioLab;
  private readonly password: string;

  private constructor(lab: KamailioLab, client: SipWsClient, user: string, password: string) {
    this.lab = lab;
    this.client = client;
    this.user = user;
    this.password = password;
    this.aor = `sip:${user}@${lab.domain}`;
    this.contact = `<sip:${token(4)}@${client.viaHost};transport=ws>`;
    client.serve(
      (m) => m.method === 'NOTIFY',
      (m) => {
        this.notifies.push(m);
        client.send(buildResponse(m, 200, 'OK'));
      },
    );
    client.serve(
      (m) => m.method === 'BYE',
      (m) => {
        this.byes.push(m);
        client.send(buildResponse(m, 200, 'OK'));
      },
    );
  }

  static async open(lab: KamailioLab, user: string): Promise<WsPhone> {
    const password = lab.users.find((u) => u.user === user)?.password ?? '';
    const client = await SipWsClient.connect(lab.wsUrl);
    const { final } = await register(client, { user, password, domain: lab.domain });
    if (final.status !== 200) throw new Error(`REGISTER ${user}: ${final.startLine}`);
    return new WsPhone(lab, client, user, password);
  }

  /**
   * Sends an out-of-dialog request; a 401/407 is answered once with credentials (an INVITE's
   * challenge is ACKed first). Resolves with the CSeq and Via of the request that counts.
   */
  private async send(
    method: string,
    uri: string,
    callId: string,
    fromTag: string,
    opts: { headers?: readonly string[]; body?: string },
  ): Promise<{ cseq: number; via: string; final: SipMessage | null }> {
    const build = (cseq: number, via: string, auth?: string) =>
      buildRequest({
        method,
        uri,
        via,
        from: `<${this.aor}>;tag=${fromTag}`,
        to: `<${uri}>`,
        callId,
        cseq,
        contact: this.contact,
        headers: [...(opts.headers ?? []), ...(auth ? [auth] : [])],
        ...(opts.body ? { body: opts.body, contentType: 'application/sdp' } : {}),
      });
    let via = this.client.via();
    this.client.send(build(1, via));
    const first = await this.client.waitFor((m) => isFinalFor(m, callId, 1));
    if (first.status !== 401 && first.status !== 407) return { cseq: 1, via, final: first };
    if (method === 'INVITE') {
      this.client.send(buildRequest({ method: 'ACK', uri, via, from: `<${this.aor}>;tag=${fromTag}`, to: first.header('to') ?? '', callId, cseq: 1 }));
    }
    via = this.client.via();
    const auth = authorizationHeader(first, { method, uri, username: this.user, password: this.password });
    this.client.send(build(2, via, auth));
    if (method === 'INVITE') return { cseq: 2, via, final: null };
    return { cseq: 2, via, final: await this.client.waitFor((m) => isFinalFor(m, callId, 2)) };
  }

  /** Calls `target` (user or feature code); the answer is the caller's to wait for. */
  async invite(target: string, headers: readonly string[] = []): Promise<OutgoingCall> {
    const uri = `sip:${target}@${this.lab.domain}`;
    const callId = token(10);
    const fromTag = token(4);
    const { cseq, via, final } = await this.send('INVITE', uri, callId, fromTag, { headers, body: FAKE_SDP });
    if (final) throw new Error(`INVITE ${target} was not challenged: ${final.startLine}`);
    return new OutgoingCall(this, uri, callId, fromTag, cseq, via);
  }

  /** SUBSCRIBE to `target`'s event package; resolves on the 200 with the dialog to refresh. */
  async subscribe(target: string, event: 'dialog' | 'message-summary'): Promise<Subscription> {
    const uri = `sip:${target}@${this.lab.domain}`;
    const callId = token(10);
    const fromTag = token(4);
    const accept = event === 'dialog' ? 'application/dialog-info+xml' : 'application/simple-message-summary';
    const { cseq, final } = await this.send('SUBSCRIBE', uri, callId, fromTag, {
      headers: [`Event: ${event}`, `Accept: ${accept}`, 'Expires: 120'],
    });
    if (final?.status !== 200) throw new Error(`SUBSCRIBE ${event} ${target}: ${final?.startLine}`);
    return { event, uri, callId, fromTag, toTag: tagOf(final.header('to') ?? ''), remoteTarget: uriOf(final.header('contact') ?? ''), cseq };
  }

  /** Ends a subscription (in-dialog SUBSCRIBE, Expires: 0), so Kamailio stops NOTIFYing this WS. */
  async unsubscribe(sub: Subscription): Promise<void> {
    const cseq = ++sub.cseq;
    this.client.send(
      buildRequest({
        method: 'SUBSCRIBE',
        uri: sub.remoteTarget,
        via: this.client.via(),
        from: `<${this.aor}>;tag=${sub.fromTag}`,
        to: `<${sub.uri}>;tag=${sub.toTag}`,
        callId: sub.callId,
        cseq,
        contact: this.contact,
        headers: [`Event: ${sub.event}`, 'Expires: 0'],
      }),
    );
    await this.client.waitFor((m) => isFinalFor(m, sub.callId, cseq));
  }

  /**
   * The first NOTIFY of a subscription (in arrival order) whose body satisfies `pred`; it and
   * the subscription's earlier NOTIFYs are consumed, so the next wait looks further on.
   */
  async notify(sub: Subscription, pred: (body: string) => boolean, timeoutMs = 3000): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mine = this.notifies.filter((n) => n.header('call-id') === sub.callId);
      const hit = mine.find((n) => pred(n.body));
      if (hit) {
        const consumed = new Set(mine.slice(0, mine.indexOf(hit) + 1));
        this.notifies.splice(0, this.notifies.length, ...this.notifies.filter((n) => !consumed.has(n)));
        return hit;
      }
      if (Date.now() > deadline) {
        throw new Error(`no matching ${sub.event} NOTIFY within ${timeoutMs} ms; got:\n${mine.map((n) => n.body).join('\n---\n')}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The next request of this method arriving at this phone. */
  incoming(method: string, timeoutMs = 3000): Promise<SipMessage> {
    return this.client.waitFor((m) => m.method === method, timeoutMs);
  }

  /** Answers an incoming INVITE (our To tag fixed per call). */
  answer(invite: SipMessage, status: number, reason: string, toTag: string, body?: string): void {
    this.client.send(
      buildResponse(invite, status, reason, {
        toTag,
        contact: this.contact,
        ...(body ? { body, contentType: 'application/sdp' } : {}),
      }),
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

describe('Kamailio lab: BLF, MWI and pickup', () => {
  let lab: KamailioLab;
  const phones: WsPhone[] = [];
  /** The registered phone of `user`, opened on first use and kept for the following tests. */
  const open = async (user: string) => {
    const known = phones.find((p) => p.user === user);
    if (known) return known;
    const phone = await WsPhone.open(lab, user);
    phones.push(phone);
    return phone;
  };

  beforeAll(async () => {
    lab = await startKamailio();
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      console.error(`--- Kamailio log tail (${lab.dir}) ---\n${lab.log().split('\n').slice(-60).join('\n')}`);
    });
  });
  afterAll(async () => {
    for (const phone of phones) await phone.close();
    await lab?.dispose();
  });

  it('BLF: a dialog SUBSCRIBE to 1002 gets NOTIFY early, confirmed, terminated while 1001 calls it', async () => {
    const [caller, callee, watcher] = [await open('1001'), await open('1002'), await open('1004')];
    const sub = await watcher.subscribe('1002', 'dialog');
    // Nothing going on: a dummy terminated dialog (force_dummy_dialog), lamp dark.
    const initial = await watcher.notify(sub, () => true);
    expect(initial.header('subscription-state')).toMatch(/^active/);
    expect(initial.header('content-type')).toBe('application/dialog-info+xml');
    expect(lit(initial.body)).toBe(false);

    const call = await caller.invite('1002');
    const invite = await callee.incoming('INVITE');
    const toTag = token(4);
    const stateOf = (body: string) => dialogsOf(body).find((d) => d.callId === call.callId)?.state;

    callee.answer(invite, 180, 'Ringing', toTag);
    const early = await watcher.notify(sub, (b) => stateOf(b) === 'early');
    expect(dialogsOf(early.body).find((d) => d.callId === call.callId)).toEqual({
      callId: call.callId,
      state: 'early',
      direction: 'recipient', // 1002 is being called
      remote: 'sip:1001@lab.test',
    });

    callee.answer(invite, 200, 'OK', toTag, FAKE_SDP);
    call.ack(await call.response(200));
    await watcher.notify(sub, (b) => stateOf(b) === 'confirmed');
    expect((await call.bye()).status).toBe(200);
    expect(callee.byes).toHaveLength(1);
    const terminated = await watcher.notify(sub, (b) => stateOf(b) === 'terminated');
    expect(lit(terminated.body)).toBe(false);
    await watcher.unsubscribe(sub);
  });

  it('MWI: publishMessageSummary() reaches a message-summary subscriber (yes with new messages, no without)', async () => {
    const phone = await open('1005');
    const sub = await phone.subscribe('1005', 'message-summary');
    // Nothing published yet: the first NOTIFY has an empty body.
    expect((await phone.notify(sub, () => true)).body).toBe('');

    await lab.publishMessageSummary('1005', { newMessages: 2, oldMessages: 1 });
    const waiting = await phone.notify(sub, (b) => b !== '');
    expect(waiting.header('content-type')).toBe('application/simple-message-summary');
    expect(waiting.body).toMatch(/^Messages-Waiting: yes\r\n/);
    expect(waiting.body).toContain('Voice-Message: 2/1 (0/0)');

    // A refresh of the same publication (SIP-If-Match), not a second one.
    await lab.publishMessageSummary('1005', { newMessages: 0, oldMessages: 3 });
    const read = await phone.notify(sub, (b) => b.includes('Voice-Message: 0/3'));
    expect(read.body).toMatch(/^Messages-Waiting: no\r\n/);

    await expect(lab.publishMessageSummary('10 05', { newMessages: 1, oldMessages: 0 })).rejects.toThrow(/invalid user/);
    await phone.unsubscribe(sub);
  });

  /** 1006 calls 1007, which rings (180): the ringing INVITE as 1007 saw it and its To tag. */
  const ring = async (caller: WsPhone, callee: WsPhone) => {
    const call = await caller.invite(callee.user);
    const invite = await callee.incoming('INVITE');
    const toTag = token(4);
    callee.answer(invite, 180, 'Ringing', toTag);
    await call.response(180);
    return { call, invite, toTag };
  };
  /** The callee gives up (480); the caller ACKs. */
  const stopRinging = async (r: Awaited<ReturnType<typeof ring>>, callee: WsPhone) => {
    callee.answer(r.invite, 480, 'Temporarily Unavailable', r.toTag);
    r.call.ack(await r.call.response(480));
  };

  it('pickup: *8EXT on a ringing call sends the caller an INVITE with Replaces for its early dialog', async () => {
    const [caller, callee, picker] = [await open('1006'), await open('1007'), await open('1008')];
    const ringing = await ring(caller, callee);

    const pick = await picker.invite('*81007');
    const replacing = await caller.incoming('INVITE');
    // RFC 3891 as the caller sees its early dialog: to-tag = its own (From) tag.
    expect(replacing.header('replaces')).toBe(`${ringing.call.callId};to-tag=${ringing.call.fromTag};from-tag=${ringing.toTag};early-only`);
    expect(replacing.header('from')).toContain('sip:1008@lab.test');
    // To the caller's registered contact, not to the feature code.
    expect(replacing.startLine).toMatch(new RegExp(`^INVITE sip:[^@]+@${caller.client.viaHost};transport=ws SIP/2\\.0$`));

    // The caller refuses; one pickup per ringing call, so the code now finds nothing.
    caller.answer(replacing, 486, 'Busy Here', token(4));
    pick.ack(await pick.response(486));
    const again = await picker.invite('*81007');
    again.ack(await again.response(404));
    await stopRinging(ringing, callee);
  });

  it('pickup: **EXT (directed) and *8 (group) work the same way', async () => {
    const [caller, callee, picker] = [await open('1006'), await open('1007'), await open('1008')];
    for (const code of ['**1007', '*8']) {
      const ringing = await ring(caller, callee);
      const pick = await picker.invite(code);
      const replacing = await caller.incoming('INVITE');
      expect(replacing.header('replaces'), code).toBe(`${ringing.call.callId};to-tag=${ringing.call.fromTag};from-tag=${ringing.toTag};early-only`);
      caller.answer(replacing, 486, 'Busy Here', token(4));
      pick.ack(await pick.response(486));
      await stopRinging(ringing, callee);
    }
    // Nothing ringing: group pickup has nothing to take.
    const none = await picker.invite('*8');
    none.ack(await none.response(404));
  });

  // Last in this block: the restart drops every phone's WebSocket.
  it('publishMessageSummary() survives a Kamailio restart (412 -> published afresh) and rejects while it is down', async () => {
    await lab.publishMessageSummary('1009', { newMessages: 1, oldMessages: 0 });
    await lab.stop();
    await expect(lab.publishMessageSummary('1009', { newMessages: 2, oldMessages: 0 })).rejects.toThrow(/not running/);
    await lab.start();
    // Presence forgot the publication our stored ETag names: Kamailio answers 412, the lab re-publishes.
    await lab.publishMessageSummary('1009', { newMessages: 2, oldMessages: 0 });
    const phone = await WsPhone.open(lab, '1009');
    phones.push(phone);
    const sub = await phone.subscribe('1009', 'message-summary');
    expect((await phone.notify(sub, () => true)).body).toContain('Voice-Message: 2/0');
    await phone.unsubscribe(sub);
  });
});

describe('Kamailio lab with media: park holder behind rtpengine', () => {
  let lab: KamailioLab;
  let park: ParkServer;
  const phones: WsPhone[] = [];
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t0 = performance.now();
    lab = await startKamailio({ media: true });
    timings.startKamailioWithMedia = elapsed(t0);
    t0 = performance.now();
    park = await startParkServer(lab);
    timings.startParkServer = elapsed(t0);
  });
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      console.error(`--- Kamailio log tail (${lab.dir}) ---\n${lab.log().split('\n').slice(-60).join('\n')}`);
      console.error(`--- rtpengine log tail ---\n${lab.rtpengineLog().split('\n').slice(-30).join('\n')}`);
      console.error(`--- park holder events ---\n${JSON.stringify(park?.events, null, 1)}`);
    });
  });
  afterAll(async () => {
    for (const phone of phones) await phone.close();
    const t0 = performance.now();
    await park?.dispose();
    timings.parkDispose = elapsed(t0);
    await lab?.dispose();
    console.info(`media lab timings (ms): ${JSON.stringify(timings)}`);
  });

  it('starts rtpengine, adds the slot users, and the holder registers slots 701-706', async () => {
    expect(lab.rtpengineNg).toMatch(/^udp:127\.0\.0\.1:\d+$/);
    expect(readFileSync(`${lab.dir}/kamailio.cfg`, 'utf8')).toMatch(/^#!define WITH_RTPENGINE$/m);
    expect(lab.users.map((u) => u.user)).toEqual(['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '701', '702', '703', '704', '705', '706']);
    expect(lab.users.find((u) => u.user === '703')?.password).toBe('pass703');
    expect(park.slots).toEqual(['701', '702', '703', '704', '705', '706']);
    expect(await lab.lookup('703')).toEqual([`sip:park-703@127.0.0.1:${park.port}`]);
    expect(park.occupied()).toEqual([]);
    // Without the slot users the holder says what is missing.
    await expect(startParkServer(lab, { slots: ['799'] })).rejects.toThrow(/no user 799/);
  });

  it('a call to 703 parks there and lights its lamp for a watcher; a second call to 703 takes it and clears the lamp', async () => {
    const [parked, retriever, watcher] = await Promise.all([WsPhone.open(lab, '1001'), WsPhone.open(lab, '1002'), WsPhone.open(lab, '1004')]);
    phones.push(parked, retriever, watcher);
    const sub = await watcher.subscribe('703', 'dialog');
    expect(lit((await watcher.notify(sub, () => true)).body)).toBe(false);

    // The parked party dials the slot, as it would when following a blind REFER to it.
    const t0 = performance.now();
    const parking = await parked.invite('703', [`Referred-By: <sip:1003@${lab.domain}>`]);
    const answer = await parking.response(200);
    parking.ack(answer);
    // rtpengine turned the holder's plain RTP answer into a WebRTC one for the WS side...
    expect(answer.body).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
    expect(answer.body).toContain('a=ice-ufrag:');
    const lamp = await watcher.notify(sub, lit);
    timings.inviteToLampLit = elapsed(t0);
    expect(dialogsOf(lamp.body)).toContainEqual({ callId: parking.callId, state: 'confirmed', direction: 'recipient', remote: 'sip:1001@lab.test' });
    expect(park.occupied()).toEqual(['703']);
    expect(park.parkedIn('703')).toBe('sip:1001@lab.test');
    // ...and the holder sends its hold tone to rtpengine, not to the client's own (fake) port.
    const leg = park.legs().find((l) => l.callId === parking.callId);
    expect(leg?.rtpTarget).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(leg?.rtpTarget).not.toBe('127.0.0.1:4000');

    const t1 = performance.now();
    const retrieving = await retriever.invite('703');
    retrieving.ack(await retrieving.response(200));
    const off = await watcher.notify(sub, (b) => !lit(b));
    timings.retrieveToLampOff = elapsed(t1);
    expect(dialogsOf(off.body)).toContainEqual(expect.objectContaining({ callId: parking.callId, state: 'terminated' }));
    expect(park.occupied()).toEqual([]);
    expect(park.events.map((e) => e.what)).toEqual(expect.arrayContaining(['parked', 'retrieved']));

    // The retriever hangs up: the holder hangs up the parked party too.
    expect((await retrieving.bye()).status).toBe(200);
    await expect.poll(() => parked.byes.length, { timeout: 3000 }).toBe(1);
    expect(parked.byes[0]?.header('call-id')).toBe(parking.callId);
    await watcher.unsubscribe(sub);
  });
});
