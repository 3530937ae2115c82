// Pure helpers for hold, DTMF and transfer: no sip.js, no DOM, so they run (and are tested) in
// Node. The engine (sipjs-engine.ts) only wires them to sip.js.

// ---------------------------------------------------------------------------------------------
// Hold

/**
 * Whether a session description from the far end puts us on hold: its audio stream is
 * `sendonly` or `inactive` (RFC 3264 §8.4). The media-level attribute wins over the
 * session-level one. The old RFC 2543 style (c=0.0.0.0, no direction) counts only without ICE:
 * WebRTC descriptions carry c=0.0.0.0 routinely (the address is in the candidates).
 */
export function sdpHoldsUs(sdp: string): boolean {
  const lines = sdp.split(/\r?\n/);
  let sessionDirection: string | null = null;
  let audioDirection: string | null = null;
  let inAudio = false;
  let sawAudio = false;
  let nullConnection = false;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      inAudio = line.startsWith('m=audio');
      if (inAudio) sawAudio = true;
      continue;
    }
    const direction = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.exec(line)?.[1] ?? null;
    if (direction !== null) {
      if (!sawAudio) sessionDirection = direction;
      else if (inAudio) audioDirection ??= direction;
    }
    if (inAudio && /^c=IN IP4 0\.0\.0\.0\s*$/.test(line)) nullConnection = true;
  }
  if (!sawAudio) return false;
  const direction = audioDirection ?? sessionDirection;
  if (direction === null) return nullConnection && !lines.some((line) => line.startsWith('a=ice-ufrag:'));
  return direction === 'sendonly' || direction === 'inactive';
}

/**
 * How long to wait before retrying a re-INVITE that got 491 Request Pending (RFC 3261 §14.1):
 * 2.1–4 s when we own the dialog's Call-ID (we placed the call), 0–2 s otherwise, so the two
 * ends of a glare do not collide again.
 */
export function glareRetryDelayMs(ownsCallId: boolean, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ownsCallId ? 2100 + r * 1900 : r * 2000);
}

// ---------------------------------------------------------------------------------------------
// DTMF

const DTMF_TONES = /^[0-9*#A-D]+$/;
/** Long enough for any IVR menu choice, short enough that a paste cannot flood the far end. */
export const MAX_DTMF_TONES = 32;

/** Upper-cases a–d and refuses anything else (returns null). */
export function normalizeDtmf(tones: string): string | null {
  const upper = tones.toUpperCase();
  if (upper.length === 0 || upper.length > MAX_DTMF_TONES || !DTMF_TONES.test(upper)) return null;
  return upper;
}

/** RFC 4733 tone length and gap: what IVRs and gateways expect (and Chrome's defaults). */
export const DTMF_DURATION_MS = 100;
export const DTMF_GAP_MS = 70;

/** The body of a SIP INFO carrying one tone (application/dtmf-relay, the de-facto format). */
export function dtmfInfoBody(tone: string): string {
  return `Signal=${tone}\r\nDuration=${DTMF_DURATION_MS}\r\n`;
}

/** The tone of an incoming application/dtmf-relay INFO body, or null when it carries none. */
export function parseDtmfInfo(body: string): string | null {
  const signal = /^Signal\s*=\s*([0-9*#A-Da-d])\s*$/m.exec(body)?.[1];
  return signal === undefined ? null : signal.toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Transfer

/**
 * The status code in a REFER progress NOTIFY (message/sipfrag, RFC 3515 §2.4.5): its first line
 * is a SIP status line. null when the body is not one.
 */
export function sipfragStatus(body: string): number | null {
  const match = /^SIP\/2\.0\s+(\d{3})(?:\s|$)/.exec(body.trimStart());
  return match ? Number(match[1]) : null;
}

/** What the transferor learns from one sipfrag status: still trying, done, or failed. */
export function transferProgress(status: number): 'trying' | 'done' | 'failed' {
  if (status < 200) return 'trying';
  return status < 300 ? 'done' : 'failed';
}

/**
 * The Replaces value (RFC 3891) for joining the far end of another call to that call's far
 * end: the dialog as the far end knows it, so its to-tag is our remote tag. URI-escaped for the
 * Refer-To header's `?Replaces=` (the receiver decodes it).
 */
export function replacesHeaderParam(callId: string, ourTag: string, theirTag: string): string {
  return encodeURIComponent(`${callId};to-tag=${theirTag};from-tag=${ourTag}`);
}

export interface ReferTarget {
  scheme: string;
  host: string;
  /** Whether the Refer-To carries Replaces (an attended transfer). */
  replaces: boolean;
}

/**
 * Whether we follow a REFER the far end of a call sent us. A REFER makes this phone call
 * someone, so it is followed only when it stays inside the user's PBX: a sip:/sips: target in
 * our own SIP domain. (The REFER itself can only arrive inside a call the user has, from the
 * party they are talking to, as sip.js accepts REFER only in an established dialog.) Anything
 * else — tel:, http:, another domain — is refused with 403.
 */
export function acceptableReferTarget(target: ReferTarget, ourDomain: string): boolean {
  const scheme = target.scheme.toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') return false;
  return target.host.toLowerCase() === ourDomain.toLowerCase();
}
