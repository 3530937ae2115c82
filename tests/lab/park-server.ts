// The lab's call-park holder: what a PBX's park orbits do, as a tiny SIP/UDP back-to-back user
// agent with an RTP relay behind the lab's Kamailio. Real SIP and real RTP, no mocks.
//
//  * It REGISTERs every slot (701-706 by default) with digest auth, contact
//    sip:park-SLOT@127.0.0.1:PORT, so Kamailio's ordinary lookup("location") routes slot calls
//    here; the cfg only needs to know the "park-" contact prefix (it must not PUBLISH the
//    slots' lamps itself: the holder does, one dialog per parked call).
//  * INVITE to an EMPTY slot = park: answer (PCMU), play a 400 Hz hold tone and PUBLISH the
//    slot's dialog-info "confirmed" (remote identity = the parked party): every phone
//    SUBSCRIBEd to sip:SLOT@DOMAIN sees the lamp lit. The parked party normally gets here by
//    following the parking phone's blind REFER (Refer-To: sip:SLOT@DOMAIN); dialling an empty
//    slot directly parks yourself, as on many PBXs.
//  * INVITE to an OCCUPIED slot = retrieve: answer, stop the tone, relay RTP between the two
//    legs, PUBLISH "terminated" (lamp off). A BYE on either leg is passed on as a BYE on the
//    other.
//  * Parked party hangs up -> lamp off. Parked longer than parkTimeoutMs (if set) -> BYE.
//
// Browsers reach the holder's plain RTP through the lab's rtpengine: start the lab with
// startKamailio({ media: true }), which also creates the slot users 701-706 (password
// pass<slot>). Signalling-only tests with plain SIP clients need no media relay, but the lab
// must still have users for the slots.

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { DEFAULT_PARK_SLOTS, type KamailioLab } from './kamailio';
import {
  authorizationHeader,
  buildRequest,
  buildResponse,
  recordRoutes,
  SipUdpEndpoint,
  tagOf,
  token,
  uriOf,
  type ResponseSpec,
  type SipMessage,
  type UdpPeer,
} from './sip-ws-client';

export interface ParkServerOptions {
  /** Slots (the users the holder registers); default DEFAULT_PARK_SLOTS, 701-706. */
  slots?: readonly string[];
  /** Hang up on a call parked this long (ms); default: never. */
  parkTimeoutMs?: number;
}

export interface ParkEvent {
  /** performance.now() */
  t: number;
  what: 'parked' | 'retrieved' | 'bye-received' | 'bye-sent' | 'park-timeout' | 'published' | 'error';
  slot: string;
  callId?: string;
  detail?: string;
}

export interface ParkLegStats {
  slot: string;
  role: 'parked' | 'retriever';
  callId: string;
  /** The party on this leg (From URI of its INVITE). */
  party: string;
  /** Where the holder sends this leg's RTP ('127.0.0.1:PORT'; rtpengine's for a bridged browser). */
  rtpTarget: string | null;
  rtpReceived: number;
  rtpSent: number;
  ended: boolean;
}

export interface ParkServer {
  readonly slots: readonly string[];
  /** The holder's SIP/UDP port on 127.0.0.1. */
  readonly port: number;
  /** Slots holding a parked call right now, in slot order. */
  occupied(): string[];
  /** Who is parked in a slot (the parked party's URI), or null. */
  parkedIn(slot: string): string | null;
  /** Every leg so far, with RTP packet counters. */
  legs(): ParkLegStats[];
  /** What happened, in order (assertions and failure diagnostics). */
  readonly events: readonly ParkEvent[];
  /** BYE every call, unREGISTER the slots, close the sockets. Idempotent. */
  dispose(): Promise<void>;
}

interface Leg {
  slot: string;
  role: 'parked' | 'retriever';
  callId: string;
  localTag: string; // ours (the To tag we answered with)
  remoteTag: string;
  localUri: string; // To URI of the INVITE
  remoteUri: string; // From URI of the INVITE
  remoteTarget: string; // Contact of the INVITE
  routeSet: string[]; // Record-Route of the INVITE, in order (we are the UAS)
  cseq: number; // our next CSeq
  rtp: dgram.Socket;
  rtpPort: number;
  remoteRtp: UdpPeer | null;
  /** The 200 OK we sent, re-sent for a retransmitted INVITE. */
  answer: string;
  peer: Leg | null;
  rtpReceived: number;
  rtpSent: number;
  tone: NodeJS.Timeout | null;
  parkTimer: NodeJS.Timeout | null;
  ended: boolean;
}

interface Slot {
  parked: Leg | null;
  /** SIP-ETag of the slot's publication while lit. */
  etag: string | null;
  version: number;
}

/** 400 Hz, 20 ms of 8 kHz mu-law: 160 bytes, exactly 8 periods, so the frame simply repeats. */
function toneFrame(): Buffer {
  const frame = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) frame[i] = linearToUlaw(Math.round(Math.sin((2 * Math.PI * 400 * i) / 8000) * 8000));
  return frame;
}

/** G.711 mu-law encoding of one 16-bit sample. */
function linearToUlaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const s = Math.min(Math.abs(sample), 32635) + 0x84;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
  const mantissa = (s >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mantissa) & 0xff;
}

function sdpAnswer(port: number): string {
  const id = Date.now();
  return [
    'v=0',
    `o=park ${id} ${id} IN IP4 127.0.0.1`,
    's=park',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** Where to send RTP: the offer's c= and first audio m= line (rtpengine's, for a browser). */
function sdpTarget(sdp: string): UdpPeer | null {
  const host = /^c=IN IP4 ([0-9.]+)/m.exec(sdp)?.[1];
  const port = /^m=audio (\d+) /m.exec(sdp)?.[1];
  return host && port ? { host, port: Number(port) } : null;
}

const ALLOW = 'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS';

export async function startParkServer(lab: KamailioLab, options: ParkServerOptions = {}): Promise<ParkServer> {
  const slots = [...(options.slots ?? DEFAULT_PARK_SLOTS)];
  const passwords = new Map<string, string>();
  for (const slot of slots) {
    const password = lab.users.find((u) => u.user === slot)?.password;
    if (password === undefined) {
      throw new Error(
        `startParkServer: the lab has no user ${slot}; start it with startKamailio({ media: true }) ` +
          '(users 701-706) or pass users for the slots',
      );
    }
    passwords.set(slot, password);
  }

  const sip = await SipUdpEndpoint.open();
  const kamailio: UdpPeer = { host: '127.0.0.1', port: lab.sipPort };
  const state = new Map<string, Slot>(slots.map((s) => [s, { parked: null, etag: null, version: 0 }]));
  const legs: Leg[] = [];
  const events: ParkEvent[] = [];
  const tone = toneFrame();
  let disposed = false;

  const event = (what: ParkEvent['what'], slot: string, callId?: string, detail?: string) => {
    events.push({ t: performance.now(), what, slot, ...(callId ? { callId } : {}), ...(detail ? { detail } : {}) });
  };
  const contactOf = (slot: string) => `<sip:park-${slot}@127.0.0.1:${sip.port}>`;
  const send = (m: SipMessage, to: UdpPeer, status: number, reason: string, spec?: ResponseSpec) =>
    sip.send(buildResponse(m, status, reason, spec), to);

  // ---- REGISTER the slots ------------------------------------------------------------------
  const register = async (slot: string, expires: number, timeoutMs?: number) => {
    const callId = `park-reg-${slot}-${token(4)}`;
    const fromTag = token(4);
    const uri = `sip:${lab.domain}`;
    const build = (cseq: number, auth?: string) =>
      buildRequest({
        method: 'REGISTER',
        uri,
        via: sip.via(),
        from: `<sip:${slot}@${lab.domain}>;tag=${fromTag}`,
        to: `<sip:${slot}@${lab.domain}>`,
        callId,
        cseq,
        contact: `${contactOf(slot)};expires=${expires}`,
        headers: [`Expires: ${expires}`, ALLOW, 'User-Agent: tsunagu-lab-park', ...(auth ? [auth] : [])],
      });
    let reply = await sip.request(build(1), kamailio, timeoutMs);
    if (reply.status === 401 || reply.status === 407) {
      const auth = authorizationHeader(reply, { method: 'REGISTER', uri, username: slot, password: passwords.get(slot) ?? '' });
      reply = await sip.request(build(2, auth), kamailio, timeoutMs);
    }
    if (reply.status !== 200) throw new Error(`park holder: REGISTER ${slot} -> ${reply.startLine}`);
  };

  // ---- the slot lamp: PUBLISH dialog-info ------------------------------------------------------
  // Lit: one long-lived publication, refreshed with SIP-If-Match. Off: the same publication
  // turned "terminated" with a short life (11 s, like pua_dialoginfo's), after which presence
  // drops it and NOTIFYs the idle document.
  const publish = async (slot: string, leg: Leg, dialogState: 'confirmed' | 'terminated'): Promise<void> => {
    const s = state.get(slot);
    if (!s) return;
    s.version++;
    const entity = `sip:${slot}@${lab.domain}`;
    const body = [
      '<?xml version="1.0"?>',
      `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${s.version}" state="full" entity="${entity}">`,
      `  <dialog id="park-${slot}-${leg.callId}" call-id="${leg.callId}" local-tag="${leg.localTag}" remote-tag="${leg.remoteTag}" direction="recipient">`,
      `    <state>${dialogState}</state>`,
      `    <remote><identity>${leg.remoteUri}</identity></remote>`,
      `    <local><identity>${entity}</identity></local>`,
      '  </dialog>',
      '</dialog-info>',
      '',
    ].join('\n');
    const callId = `park-pub-${slot}-${token(4)}`;
    const reply = await sip.request(
      buildRequest({
        method: 'PUBLISH',
        uri: entity,
        via: sip.via(),
        from: `<${entity}>;tag=${token(4)}`,
        to: `<${entity}>`,
        callId,
        cseq: 1,
        headers: ['Event: dialog', `Expires: ${dialogState === 'terminated' ? 11 : 3600}`, ...(s.etag ? [`SIP-If-Match: ${s.etag}`] : [])],
        body,
        contentType: 'application/dialog-info+xml',
      }),
      kamailio,
    );
    if (reply.status === 412 && s.etag) {
      // Presence forgot our publication (it keeps them in memory): publish afresh.
      s.etag = null;
      return publish(slot, leg, dialogState);
    }
    if (reply.status !== 200) throw new Error(`PUBLISH ${entity} ${dialogState} -> ${reply.startLine}`);
    s.etag = dialogState === 'terminated' ? null : (reply.header('sip-etag') ?? null);
    event('published', slot, leg.callId, dialogState);
  };
  const publishSafely = (slot: string, leg: Leg, dialogState: 'confirmed' | 'terminated') =>
    publish(slot, leg, dialogState).catch((err: unknown) => event('error', slot, leg.callId, String(err)));

  // ---- media -------------------------------------------------------------------------------------
  const stopMedia = (leg: Leg) => {
    if (leg.tone) clearInterval(leg.tone);
    if (leg.parkTimer) clearTimeout(leg.parkTimer);
    leg.tone = null;
    leg.parkTimer = null;
    try {
      leg.rtp.close();
    } catch {
      // already closed
    }
  };

  const playTone = (leg: Leg) => {
    let seq = randomBytes(2).readUInt16BE(0);
    let timestamp = randomBytes(4).readUInt32BE(0);
    const ssrc = randomBytes(4).readUInt32BE(0);
    leg.tone = setInterval(() => {
      if (!leg.remoteRtp) return;
      const header = Buffer.alloc(12);
      header[0] = 0x80; // RTP version 2
      header[1] = 0; // payload type 0 = PCMU
      header.writeUInt16BE(seq, 2);
      header.writeUInt32BE(timestamp, 4);
      header.writeUInt32BE(ssrc, 8);
      seq = (seq + 1) & 0xffff;
      timestamp = (timestamp + 160) >>> 0;
      leg.rtp.send(Buffer.concat([header, tone]), leg.remoteRtp.port, leg.remoteRtp.host);
      leg.rtpSent++;
    }, 20);
    leg.tone.unref();
  };

  // ---- ending calls --------------------------------------------------------------------------------
  const sendBye = async (leg: Leg, timeoutMs?: number) => {
    if (leg.ended) return;
    leg.ended = true;
    stopMedia(leg);
    // Loose routing: the first Record-Route entry is Kamailio's UDP side.
    const firstHop = /sip:([^;>:]+)(?::(\d+))?/.exec(leg.routeSet[0] ?? '');
    const to = firstHop ? { host: firstHop[1] as string, port: Number(firstHop[2] ?? 5060) } : kamailio;
    const cseq = leg.cseq++;
    await sip
      .request(
        buildRequest({
          method: 'BYE',
          uri: leg.remoteTarget,
          via: sip.via(),
          routes: leg.routeSet,
          from: `<${leg.localUri}>;tag=${leg.localTag}`,
          to: `<${leg.remoteUri}>;tag=${leg.remoteTag}`,
          callId: leg.callId,
          cseq,
        }),
        to,
        timeoutMs,
      )
      .catch((err: unknown) => event('error', leg.slot, leg.callId, `BYE: ${String(err)}`));
    event('bye-sent', leg.slot, leg.callId);
  };

  /** One leg is over (BYE either way, timeout): lamp off if it was parked, hang up its peer. */
  const legEnded = async (leg: Leg) => {
    if (!leg.ended) {
      leg.ended = true;
      stopMedia(leg);
    }
    const s = state.get(leg.slot);
    if (s?.parked === leg) {
      s.parked = null;
      await publishSafely(leg.slot, leg, 'terminated');
    }
    if (leg.peer && !leg.peer.ended) await sendBye(leg.peer);
  };

  // ---- incoming requests -----------------------------------------------------------------------------
  const onInvite = async (m: SipMessage, from: UdpPeer) => {
    const callId = m.header('call-id') ?? '';
    const to = m.header('to') ?? '';
    send(m, from, 100, 'Trying');
    const known = legs.find((l) => l.callId === callId && !l.ended);
    if (known) {
      if (!tagOf(to)) {
        sip.send(known.answer, from); // a retransmission of the INVITE we answered
        return;
      }
      // re-INVITE (e.g. hold/resume): same media, the peer's new address
      known.remoteRtp = sdpTarget(m.body) ?? known.remoteRtp;
      const sdp = sdpAnswer(known.rtpPort);
      send(m, from, 200, 'OK', { contact: contactOf(known.slot), headers: [ALLOW], body: sdp, contentType: 'application/sdp' });
      return;
    }
    // The R-URI is our contact (park-SLOT); the To URI the slot as dialled.
    const slot = /^INVITE sip:park-([^@;]+)@/.exec(m.startLine)?.[1] ?? /^sip:([^@;]+)@/.exec(uriOf(to))?.[1] ?? '';
    const s = state.get(slot);
    if (!s) {
      send(m, from, 404, 'No Such Slot');
      return;
    }
    if (!m.body) {
      send(m, from, 488, 'Not Acceptable Here'); // no late offers
      return;
    }
    const rtp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', () => resolve()));
    rtp.unref();
    const leg: Leg = {
      slot,
      role: s.parked ? 'retriever' : 'parked',
      callId,
      localTag: token(4),
      remoteTag: tagOf(m.header('from') ?? ''),
      localUri: uriOf(to),
      remoteUri: uriOf(m.header('from') ?? ''),
      remoteTarget: uriOf(m.header('contact') ?? ''),
      routeSet: recordRoutes(m),
      cseq: 1,
      rtp,
      rtpPort: rtp.address().port,
      remoteRtp: sdpTarget(m.body),
      answer: '',
      peer: null,
      rtpReceived: 0,
      rtpSent: 0,
      tone: null,
      parkTimer: null,
      ended: false,
    };
    legs.push(leg);
    rtp.on('message', (packet) => {
      leg.rtpReceived++;
      const peer = leg.peer;
      if (peer && !peer.ended && peer.remoteRtp) {
        peer.rtp.send(packet, peer.remoteRtp.port, peer.remoteRtp.host);
        peer.rtpSent++;
      }
    });
    rtp.on('error', () => {});
    leg.answer = buildResponse(m, 200, 'OK', {
      toTag: leg.localTag,
      contact: contactOf(slot),
      headers: [ALLOW],
      body: sdpAnswer(leg.rtpPort),
      contentType: 'application/sdp',
    });
    sip.send(leg.answer, from);

    const parked = s.parked;
    if (!parked) {
      s.parked = leg;
      event('parked', slot, callId, `${leg.remoteUri}${m.header('referred-by') ? ` referred by ${m.header('referred-by')}` : ''}`);
      playTone(leg);
      if (options.parkTimeoutMs) {
        leg.parkTimer = setTimeout(() => {
          if (s.parked !== leg) return;
          event('park-timeout', slot, callId);
          void sendBye(leg).then(() => legEnded(leg));
        }, options.parkTimeoutMs);
        leg.parkTimer.unref();
      }
      await publishSafely(slot, leg, 'confirmed');
    } else {
      s.parked = null;
      if (parked.tone) clearInterval(parked.tone);
      if (parked.parkTimer) clearTimeout(parked.parkTimer);
      parked.tone = null;
      parked.parkTimer = null;
      parked.peer = leg;
      leg.peer = parked;
      event('retrieved', slot, callId, `${leg.remoteUri} takes ${parked.remoteUri}`);
      await publishSafely(slot, parked, 'terminated');
    }
  };

  sip.onRequest = (m, from) => {
    const callId = m.header('call-id') ?? '';
    switch (m.method) {
      case 'INVITE':
        if (disposed) {
          send(m, from, 503, 'Service Unavailable');
          return;
        }
        void onInvite(m, from).catch((err: unknown) => event('error', '', callId, `INVITE: ${String(err)}`));
        return;
      case 'ACK':
        return;
      case 'BYE': {
        send(m, from, 200, 'OK');
        const leg = legs.find((l) => l.callId === callId && !l.ended);
        if (leg) {
          event('bye-received', leg.slot, callId);
          void legEnded(leg);
        }
        return;
      }
      case 'CANCEL': // every INVITE is answered at once: nothing left to cancel
      case 'OPTIONS':
        send(m, from, 200, 'OK');
        return;
      default:
        send(m, from, 405, 'Method Not Allowed', { headers: [ALLOW] });
    }
  };

  try {
    await Promise.all(slots.map((slot) => register(slot, 3600)));
  } catch (err) {
    sip.close();
    throw err;
  }

  let disposing: Promise<void> | null = null;
  return {
    slots,
    port: sip.port,
    events,
    occupied: () => slots.filter((slot) => state.get(slot)?.parked),
    parkedIn: (slot) => state.get(slot)?.parked?.remoteUri ?? null,
    legs: () =>
      legs.map((l) => ({
        slot: l.slot,
        role: l.role,
        callId: l.callId,
        party: l.remoteUri,
        rtpTarget: l.remoteRtp ? `${l.remoteRtp.host}:${l.remoteRtp.port}` : null,
        rtpReceived: l.rtpReceived,
        rtpSent: l.rtpSent,
        ended: l.ended,
      })),
    dispose() {
      disposing ??= (async () => {
        disposed = true;
        // Bounded however Kamailio is doing: short timeouts, everything in parallel, and no
        // network at all once it is gone (the lab disposed first).
        const online = lab.isRunning();
        const open = legs.filter((l) => !l.ended);
        if (online) {
          await Promise.all(
            open.map(async (leg) => {
              const s = state.get(leg.slot);
              await sendBye(leg, 1500);
              if (s?.parked === leg) {
                s.parked = null;
                await publishSafely(leg.slot, leg, 'terminated');
              }
            }),
          );
          await Promise.all(slots.map((slot) => register(slot, 0, 1500).catch(() => {})));
        }
        for (const leg of legs) {
          leg.ended = true;
          stopMedia(leg);
        }
        for (const s of state.values()) s.parked = null;
        sip.close();
      })();
      return disposing;
    },
  };
}
