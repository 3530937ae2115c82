// Pure helpers for the SIP engine: no sip.js, no DOM, so they run (and are tested) in Node.

import { InvalidDialTarget, InvalidPhoneConfig } from './errors';
import type { RegistrationFailure } from './types';

// ---------------------------------------------------------------------------------------------
// Dial targets

export interface DialTarget {
  /** What to put in the INVITE's Request-URI / To. */
  uri: string;
  /** Dial strings: the digits as dialled (separators removed). URIs: as typed (the engine refines it once parsed). */
  remoteNumber: string;
  kind: 'number' | 'uri';
}

const MAX_DIAL_DIGITS = 64;
const MAX_URI_LENGTH = 512;
// Visual separators people type or paste ("03-1234-5678", "(03) 1234 5678", "03・1234"),
// after NFKC has already folded full-width forms to ASCII. U+30FC (ー) is what Japanese IMEs
// produce for a hyphen typed in kana mode.
const DIAL_SEPARATORS = /[\s\-().\u2010-\u2015\u2212\u30FB\u30FC]/g;
const DIAL_STRING = /^\+?[0-9*#]+$/;
// Anything that could break out of a header value or is never valid in a SIP URI.
const URI_FORBIDDEN = /[\s<>"\\\p{Cc}]/u;

/**
 * Turns what the user typed into a Request-URI: a dial string (digits, *, #, leading +) becomes
 * `sip:<digits>@<domain>`; a `sip:`/`sips:` URI is used as given and `user@host` gets `sip:`.
 * Anything else is refused, so a stray word cannot become a call to `sip:word@domain`.
 */
export function buildDialTarget(target: string, domain: string): DialTarget {
  const trimmed = target.trim();
  if (trimmed === '') throw new InvalidDialTarget('Empty dial target');

  if (/^sips?:/i.test(trimmed)) {
    checkUriText(trimmed);
    // Lower-case the scheme only: the rest (user part) may be case-sensitive.
    const colon = trimmed.indexOf(':');
    const uri = trimmed.slice(0, colon).toLowerCase() + trimmed.slice(colon);
    if (uri.length <= colon + 1) throw new InvalidDialTarget('SIP URI has no address');
    return { uri, remoteNumber: trimmed, kind: 'uri' };
  }
  // "user@host" as people write SIP addresses (and as the keypad accepts them).
  if (/^[^@:]+@[^@]+$/.test(trimmed)) {
    checkUriText(trimmed);
    return { uri: `sip:${trimmed}`, remoteNumber: trimmed, kind: 'uri' };
  }

  // NFKC folds full-width digits and ＋＊＃ (common with Japanese input methods) to ASCII.
  const digits = trimmed.normalize('NFKC').replace(DIAL_SEPARATORS, '');
  if (!DIAL_STRING.test(digits)) throw new InvalidDialTarget('Not a dial string or SIP URI');
  if (digits.length > MAX_DIAL_DIGITS) throw new InvalidDialTarget('Dial string too long');
  if (!isPlausibleDomain(domain)) throw new InvalidDialTarget('Invalid SIP domain');
  // '#' is not allowed unescaped in a SIP user part (RFC 3261 §25.1); '*' and '+' are.
  const user = digits.replace(/#/g, '%23');
  return { uri: `sip:${user}@${domain}`, remoteNumber: digits, kind: 'number' };
}

function checkUriText(text: string): void {
  if (text.length > MAX_URI_LENGTH) throw new InvalidDialTarget('SIP URI too long');
  if (URI_FORBIDDEN.test(text)) throw new InvalidDialTarget('SIP URI contains forbidden characters');
}

/** Host name, IPv4 or bracketed IPv6, optionally with a port. Deliberately loose: sip.js parses it properly. */
export function isPlausibleDomain(domain: string): boolean {
  return /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(
    domain,
  );
}

/**
 * How a remote party is shown as a number: the user part alone when it is on our own domain
 * (the usual PBX case), `user@host` for a foreign domain, the host when there is no user part.
 */
export function describeRemoteParty(user: string | undefined, host: string, ourDomain: string): string {
  const decodedUser = user === undefined || user === '' ? '' : safeDecodeUserPart(user);
  if (decodedUser === '') return sanitizeRemoteText(host);
  if (host.toLowerCase() === ourDomain.toLowerCase()) return sanitizeRemoteText(decodedUser);
  return sanitizeRemoteText(`${decodedUser}@${host}`);
}

function safeDecodeUserPart(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    // Malformed escapes are the sender's problem; show what they sent.
    return user;
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile text

export const MAX_REMOTE_TEXT = 256;

// Line breaks and tabs become a space so "Yamada\nTaro" stays readable as one line.
const LINE_CONTROLS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// Other C0/C1 controls, DEL, the BOM, and bidi controls that can make a name render as
// something else (e.g. U+202E turning "evil\u202Egnp.exe" around).
const STRIP = /[\p{Cc}\uFEFF\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Makes a remote-supplied string (SIP display name, user part) safe to carry as plain text:
 * no control or bidi-override characters, no broken surrogates, trimmed, at most `maxLength`
 * code points. It is still text, not markup: the UI must render it as text.
 */
export function sanitizeRemoteText(value: string | null | undefined, maxLength: number = MAX_REMOTE_TEXT): string {
  if (typeof value !== 'string' || value === '') return '';
  // Bound the work on absurd inputs before running regexes over them.
  const bounded = value.length > maxLength * 8 ? value.slice(0, maxLength * 8) : value;
  const cleaned = bounded
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(LINE_CONTROLS, ' ')
    .replace(STRIP, '')
    .trim();
  const codePoints = Array.from(cleaned);
  if (codePoints.length <= maxLength) return cleaned;
  return codePoints.slice(0, maxLength).join('').trimEnd();
}

/**
 * A sanitised display name, or null when nothing printable is left. `value` is a display-name
 * as sip.js parses it: a quoted-string's content with its quoted-pairs (RFC 3261 §25.1, `\"`,
 * `\\`, `\<control>`) still escaped, so they are unescaped first (a token display-name
 * cannot contain a backslash).
 */
export function sanitizeDisplayName(value: string | null | undefined): string | null {
  const text = sanitizeRemoteText(typeof value === 'string' ? value.replace(/\\([\s\S])/g, '$1') : value);
  return text === '' ? null : text;
}

// ---------------------------------------------------------------------------------------------
// Reconnection and registration failures

export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Extra random delay, as a fraction of the base delay, so many clients don't retry in step. */
  jitterRatio: number;
}

export const DEFAULT_RECONNECT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  jitterRatio: 0.2,
});

/**
 * Delay before retry number `attempt` (0-based): initial · 2^attempt, capped at maxDelayMs,
 * plus up to jitterRatio of that in random jitter.
 */
export function backoffDelayMs(
  attempt: number,
  policy: Readonly<BackoffPolicy> = DEFAULT_RECONNECT_BACKOFF,
  random: () => number = Math.random,
): number {
  const safeAttempt = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // Cap the exponent first so huge attempt counts cannot overflow to Infinity.
  const exponential = policy.initialDelayMs * 2 ** Math.min(safeAttempt, 30);
  const base = Math.min(policy.maxDelayMs, exponential);
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return Math.round(base + base * policy.jitterRatio * unit);
}

export interface RegisterFailureClass {
  reason: RegistrationFailure;
  detail: string;
  /** Worth trying again later without the user changing anything. */
  retry: boolean;
}

/**
 * Maps a final response to REGISTER to what the user is told. sip.js answers a 401/407
 * challenge once with credentials by itself, so a 401/407 that reaches us means the
 * credentials were refused; 403 is what many registrars send for the same thing.
 * sip.js reports a lost connection as an internal 503 and a silent server as an internal 408.
 */
export function classifyRegisterFailure(statusCode: number, transportConnected: boolean): RegisterFailureClass {
  const detail = `sip:${statusCode}`;
  if (!transportConnected) return { reason: 'unreachable', detail: 'transport', retry: true };
  if (statusCode === 401 || statusCode === 403 || statusCode === 407) {
    // Never retried automatically: repeating wrong credentials gets accounts locked out.
    return { reason: 'auth', detail, retry: false };
  }
  const transient = statusCode === 408 || statusCode === 480 || statusCode === 500 || statusCode === 503 || statusCode === 504;
  return { reason: 'rejected', detail, retry: transient };
}

/**
 * The Route header value for an outbound proxy: loose routing (`;lr`) is what every modern
 * proxy expects, and URI headers (`?...`) have no place in a Route.
 */
export function outboundProxyRoute(proxyUri: string): string {
  const trimmed = proxyUri.trim();
  if (!/^sips?:/i.test(trimmed) || URI_FORBIDDEN.test(trimmed)) {
    throw new InvalidPhoneConfig('Outbound proxy must be a sip: or sips: URI');
  }
  const withoutHeaders = trimmed.split('?', 1)[0] ?? trimmed;
  const hasLr = /;lr(?=[;=]|$)/i.test(withoutHeaders);
  return `<${hasLr ? withoutHeaders : `${withoutHeaders};lr`}>`;
}

/** A v4 UUID for our own call ids; falls back to getRandomValues where randomUUID is missing. */
export function newCallId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // randomUUID exists but throws outside secure contexts in some embedders.
    }
  }
  const bytes = new Uint8Array(16);
  c.getRandomValues(bytes);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Short, single-line error text for registration details and logs. */
export function shortErrorText(error: unknown, max = 160): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  return sanitizeRemoteText(text, max);
}
