// Click-to-call links handed to us by the OS (Windows/Linux argv, macOS open-url). A link is text
// chosen by whoever wrote the web page or e-mail, so this is an attack surface of the
// CVE-2018-1000006 kind: it is parsed here against an allowlist, and only a dial target of two
// strictly checked shapes ever leaves this module — a dial string `^\+?[0-9*#]{1,64}$` or a
// canonical `sip(s):user@host[:port]`. Nothing here touches a shell, openExternal or the network.
//
// Pure and synchronous: no state, no I/O, so unit and property tests pin it down completely.

import { isIPv6 } from 'node:net';

export const LINK_SCHEMES = ['tel', 'sip', 'sips', 'callto', 'tsunagu'] as const;

export type LinkRejection = 'too-long' | 'unknown-scheme' | 'malformed' | 'empty-number' | 'not-a-dial-link' | 'invalid-characters';

export type ParsedLink =
  | { ok: true; target: string; /** what the user clicked, trimmed+capped, for display */ display: string }
  | { ok: false; reason: LinkRejection };

type LinkScheme = (typeof LINK_SCHEMES)[number];
type Outcome = { ok: true; target: string } | { ok: false; reason: LinkRejection };

/** Real links are short; a cap before any other work bounds the cost of a hostile 100 kB one. */
const MAX_INPUT_LENGTH = 2048;
/** Same limit as the renderer's dial strings (the leading + included). */
const MAX_DIAL_LENGTH = 64;
const MAX_SIP_URI_LENGTH = 256;
/** Display text is for a toast or a confirmation line, not the whole link. In code points, so a
 *  surrogate pair is never cut in half. */
const MAX_DISPLAY_LENGTH = 256;

/** The only two shapes a target may have. Checked once more on the way out (defence in depth),
 *  whatever the scheme-specific code built. */
const DIAL_STRING = /^\+?[0-9*#]{1,64}$/;
const HOST_PATTERN = String.raw`(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])`;
const SIP_TARGET = new RegExp(String.raw`^sips?:[A-Za-z0-9._~+*-]+@${HOST_PATTERN}(?::[0-9]{1,5})?$`);

/**
 * Characters refused anywhere in a link, raw or after percent-decoding: controls (C0, DEL, C1:
 * NUL/CR/LF/TAB split log lines, headers and command lines), format characters (Cf: the bidi
 * overrides U+202A–202E and isolates U+2066–2069 that make "tel:110" render as something else,
 * zero-width characters that hide text), lone surrogates, and the Unicode line/paragraph
 * separators that some consumers treat as newlines.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

/** A URI scheme as RFC 3986 defines it. Argv switches (`--inspect=…`) never match. */
const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Cheap prefix test for scanning argv. */
const CALL_LINK_PREFIX = /^(?:tel|sips?|callto|tsunagu):/i;

/**
 * Visual separators inside a phone number, after NFKC has folded full-width forms (－（）． and the
 * ideographic space U+3000) to ASCII. Kept in step with the renderer's keypad normaliser so a
 * number dials the same whether it was clicked or pasted: RFC 3966's `-.()`, spaces
 * (`callto:+81 3 1234 5678`, `%20`), `[]/`, the Unicode dashes U+2010–2015 and minus U+2212, and
 * the Japanese ・ and ー (what an IME produces for a hyphen typed in kana mode; Japanese pages use
 * it between digit groups).
 */
const NUMBER_SEPARATORS = /[ \-().[\]/\u2010-\u2015\u2212\u30FB\u30FC]/g;

/** The same without `[]/`, for SIP user parts: those characters are not number formatting
 *  there, and `/` would make `sip://1001@pbx` (not a SIP URI) look like `sip:1001@pbx`. */
const SIP_USER_SEPARATORS = /[ \-().\u2010-\u2015\u2212\u30FB\u30FC]/g;

/**
 * Characters a URI may contain at all (RFC 3986 unreserved + reserved + `%`). The parts of a link
 * we drop (SIP parameters and headers, unknown query keys) must still consist of these: a "link"
 * with spaces, quotes or angle brackets is not a URI but the shape of an injection attempt, and it
 * is refused as a whole rather than half-used.
 */
const URI_TEXT = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;

/**
 * RFC 3966 parameter: pname = 1*(alphanum / "-"), pvalue = 1*paramchar. The name must also start
 * with an alphanumeric: no real parameter starts with "-", and refusing it keeps anything shaped
 * like a command-line switch (`;--gpu-launcher=…`) out of every link we accept.
 */
const TEL_PARAMETER = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:=([A-Za-z0-9\-_.!~*'()[\]/:&+$%]*))?$/;

/** A conservative SIP user part: RFC 3261 unreserved characters plus `+` (E.164), nothing that
 *  needs escaping. RFC 3261 also allows `&=$,;?/`, `!'()` and escapes; a user part with those
 *  is legal but not something a click-to-call link needs, and `;`/`?` inside the user part are
 *  exactly what makes parameter and header boundaries ambiguous. `#` is left out because it is
 *  not allowed unescaped in a user part (RFC 3261 §25.1) and our target format carries no
 *  escapes. It must start with a letter, digit, `+` or `*` so it never looks like a switch. */
const SIP_USER = /^[A-Za-z0-9+*][A-Za-z0-9._~+*-]*$/;

const IPV4 = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

function reject(reason: LinkRejection): { ok: false; reason: LinkRejection } {
  return { ok: false, reason };
}

function isLinkScheme(scheme: string): scheme is LinkScheme {
  return (LINK_SCHEMES as readonly string[]).includes(scheme);
}

/** Percent-decodes as UTF-8; null for a stray `%` or bytes that are not valid UTF-8. */
function percentDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * True when `arg` starts with one of our schemes and a colon (case-insensitive). Used to pick the
 * link out of a command line; it decides nothing about validity — parseCallLink does that. A
 * switch (`--…`, `-…`) can never match because every scheme starts with a letter.
 */
export function isCallLink(arg: string): boolean {
  // The type is a promise, not a guarantee, for values that came through argv handling.
  return typeof arg === 'string' && CALL_LINK_PREFIX.test(arg);
}

/**
 * Parses a click-to-call link into a dial target for the renderer. Never throws, whatever the
 * input: an unexpected failure is reported as 'malformed' so that a parser bug fails closed.
 */
export function parseCallLink(input: unknown): ParsedLink {
  try {
    return parse(input);
  } catch {
    return reject('malformed');
  }
}

function parse(input: unknown): ParsedLink {
  if (typeof input !== 'string') return reject('malformed');
  // Before trimming or anything else that costs time proportional to the input.
  if (input.length > MAX_INPUT_LENGTH) return reject('too-long');
  const text = input.trim();
  if (text === '') return reject('malformed');

  const prefix = SCHEME_PREFIX.exec(text);
  const scheme = prefix?.[1]?.toLowerCase();
  // Foreign URLs (http:, javascript:, file:, smb:) and argv switches are never decoded or looked
  // into: we have no business with them, and they must not be opened elsewhere either.
  if (prefix === null || scheme === undefined || !isLinkScheme(scheme)) return reject('unknown-scheme');

  if (FORBIDDEN.test(text)) return reject('invalid-characters');
  // Decoding the whole link once catches controls hidden as %00, %0A or %E2%80%AE in any part,
  // including the parts we drop. Parts are decoded again, individually, after splitting, so an
  // escaped delimiter (%3B, %3F, %40) never acts as one.
  const decoded = percentDecode(text);
  if (decoded === null) return reject('malformed');
  if (FORBIDDEN.test(decoded)) return reject('invalid-characters');

  const body = text.slice(prefix[0].length);
  const outcome = parseBody(scheme, body);
  if (!outcome.ok) return outcome;

  // Whatever the branch built, only the two known shapes leave this module.
  const { target } = outcome;
  const wellFormed = DIAL_STRING.test(target) ? target.length <= MAX_DIAL_LENGTH : SIP_TARGET.test(target) && target.length <= MAX_SIP_URI_LENGTH;
  if (!wellFormed) return reject('malformed');
  return { ok: true, target, display: capDisplay(text) };
}

function parseBody(scheme: LinkScheme, body: string): Outcome {
  switch (scheme) {
    case 'tel':
      return parseTel(body);
    case 'callto':
      return parseCallto(body);
    case 'sip':
    case 'sips':
      return parseSip(scheme, body);
    case 'tsunagu':
      return parseTsunagu(body);
  }
}

function capDisplay(text: string): string {
  const codePoints = Array.from(text);
  return codePoints.length <= MAX_DISPLAY_LENGTH ? text : `${codePoints.slice(0, MAX_DISPLAY_LENGTH - 1).join('')}…`;
}

// ---------------------------------------------------------------------------------------------
// Numbers (tel:, callto:, tsunagu:, and phone-number SIP user parts)

/**
 * A decoded number as written on a page → a dial string. NFKC folds full-width digits and ＋＊＃
 * (Japanese pages are full of them); visual separators are removed; what is left must be digits,
 * `*` and `#` (feature codes such as *21*1001#) with at most one leading `+`. Letters (RFC 3966
 * allows hex digits A–F in local numbers), a `+` in the middle, or anything else is refused
 * rather than silently dropped: guessing what a malformed link meant is how the wrong number
 * gets called.
 */
function normalizeNumber(decodedNumber: string): Outcome {
  const folded = decodedNumber.normalize('NFKC');
  if (FORBIDDEN.test(folded)) return reject('invalid-characters');
  const stripped = folded.replace(NUMBER_SEPARATORS, '');
  if (!/^\+?[0-9*#]*$/.test(stripped)) return reject('invalid-characters');
  if (stripped === '' || stripped === '+') return reject('empty-number');
  if (stripped.length > MAX_DIAL_LENGTH) return reject('too-long');
  return { ok: true, target: stripped };
}

/** `tel://…` and `callto://…` are wrong but common in the wild; the `//` carries no meaning. */
function withoutAuthorityMarker(body: string): string {
  return body.startsWith('//') ? body.slice(2) : body;
}

/**
 * RFC 3966: `tel:` number *(";" parameter).
 *
 * - `;ext=` is DROPPED: the call goes to the main number and the user enters the extension when
 *   the far end asks. Turning it into DTMF would send digits nobody sees, timed by a guess; and
 *   appending it to the dial string would call a different (wrong) number. The display text
 *   still shows the whole link, extension included.
 * - `;phone-context=` only matters for a local number (a global `+…` number must not carry one,
 *   and its context is ignored if it does). A global-prefix context is combined with the local
 *   number as RFC 3966 §5.1.5 defines (`tel:863-1234;phone-context=+1-914-555` →
 *   `+19145558631234`), but only when the local number is plain digits without a leading 0: a
 *   leading 0 is a national trunk prefix, which pages write together with the country code
 *   (`tel:03-1234-5678;phone-context=+81`) — combining would give the wrong number +810312…,
 *   while the national form dials correctly from a Japanese PBX. Feature codes (`*`, `#`) are
 *   PBX-local and never combined. A domain context keeps the local number as it is.
 * - `;isub=` and all other parameters are ignored (but must be well-formed).
 */
function parseTel(body: string, numberRejection?: (folded: string) => LinkRejection | null): Outcome {
  const [rawNumber = '', ...parameters] = withoutAuthorityMarker(body).split(';');

  let context: { kind: 'global'; prefix: string } | { kind: 'domain' } | undefined;
  for (const parameter of parameters) {
    const match = TEL_PARAMETER.exec(parameter);
    if (match === null) return reject('invalid-characters');
    const name = (match[1] ?? '').toLowerCase();
    if (name !== 'phone-context') continue;
    // A second context would make the number ambiguous; refuse rather than pick one.
    if (context !== undefined) return reject('malformed');
    const parsedContext = parsePhoneContext(match[2] ?? '');
    if (parsedContext === null) return reject('malformed');
    context = parsedContext;
  }

  const decodedNumber = percentDecode(rawNumber);
  if (decodedNumber === null) return reject('malformed');
  if (numberRejection) {
    const reason = numberRejection(decodedNumber.normalize('NFKC').replace(NUMBER_SEPARATORS, ''));
    if (reason !== null) return reject(reason);
  }
  const number = normalizeNumber(decodedNumber);
  if (!number.ok) return number;

  if (context?.kind === 'global' && /^[1-9][0-9]*$/.test(number.target)) {
    const combined = context.prefix + number.target;
    if (combined.length > MAX_DIAL_LENGTH) return reject('too-long');
    return { ok: true, target: combined };
  }
  return number;
}

/** RFC 3966 descriptor: global-number-digits (`+81`, `+1-914-555`) or a domain name. */
function parsePhoneContext(rawValue: string): { kind: 'global'; prefix: string } | { kind: 'domain' } | null {
  const value = percentDecode(rawValue)?.normalize('NFKC');
  if (value === undefined) return null;
  if (value.startsWith('+')) {
    const prefix = value.replace(NUMBER_SEPARATORS, '');
    return /^\+[0-9]{1,15}$/.test(prefix) ? { kind: 'global', prefix } : null;
  }
  return isDomainName(value.toLowerCase()) ? { kind: 'domain' } : null;
}

/**
 * `callto:` (Skype era): `callto:0312345678`, `callto://+81312345678`, `callto:+81 3 1234 5678`,
 * normalised exactly like tel:. A Skype name (`callto:echo123`, `callto:alice?call`) is a
 * contact in another program, not a number we can dial: 'not-a-dial-link'.
 */
function parseCallto(body: string): Outcome {
  return parseTel(body, (folded) => (/\p{L}/u.test(folded) ? 'not-a-dial-link' : null));
}

// ---------------------------------------------------------------------------------------------
// SIP URIs

/**
 * RFC 3261: `sip:user@host[:port][;params][?headers]`, output as canonical `sip:user@host[:port]`
 * (scheme lower-cased, sips stays sips because the user asked for TLS end to end; host
 * lower-cased; the user part keeps its case, which SIP treats as significant).
 *
 * - URI headers (`?…`) are DROPPED: they become headers of our INVITE, and a link could use them
 *   to inject Replaces (take over someone's call), Refer-To, Route and the like.
 * - URI parameters (`;…`) are all DROPPED, `user=phone` included: transport, maddr, lr and
 *   method would let a link steer where and how our request goes, and the user part alone
 *   already identifies the callee to our PBX (a phone-number user part is normalised below).
 * - The user part ends at the first `@`. RFC 3261 lets a user part contain `;` and `?`
 *   unescaped, so `sip:a;x@b` is legal, but such user parts fail the conservative SIP_USER set
 *   anyway, so the first `@` never misreads a link we would accept; splitting on the last `@`
 *   instead would let `sip:pbx?Refer-To=sip:evil@x` parse as a user "pbx?Refer-To=sip:evil".
 * - `user:password@host` (RFC 3261 allows it, deprecated) is refused: a click must not carry
 *   credentials into a call.
 */
function parseSip(scheme: 'sip' | 'sips', body: string): Outcome {
  if (body === '') return reject('empty-number');
  const at = body.indexOf('@');
  // `sip:pbx.example.jp` names a server, not someone to call.
  if (at < 0) return reject('not-a-dial-link');
  const rawUser = body.slice(0, at);
  const rest = body.slice(at + 1);

  const question = rest.indexOf('?');
  const beforeHeaders = question < 0 ? rest : rest.slice(0, question);
  const headers = question < 0 ? '' : rest.slice(question + 1);
  const [hostPort = '', ...parameters] = beforeHeaders.split(';');
  if (!URI_TEXT.test(headers) || !parameters.every((parameter) => URI_TEXT.test(parameter))) return reject('invalid-characters');

  if (rawUser === '') return reject('empty-number');
  const user = parseSipUser(rawUser);
  if (!user.ok) return user;
  const host = parseHostPort(hostPort);
  if (host === null) return reject('malformed');

  const target = `${scheme}:${user.target}@${host}`;
  if (target.length > MAX_SIP_URI_LENGTH) return reject('too-long');
  return { ok: true, target };
}

/** Phone numbers written as SIP user parts, possibly with separators: `sip:+81-3-1234-5678@gw`. */
const PHONE_LIKE_USER = /^[0-9+*#]*[0-9][0-9+*#]*$/;

function parseSipUser(rawUser: string): Outcome {
  const decoded = percentDecode(rawUser);
  if (decoded === null) return reject('malformed');
  const folded = decoded.normalize('NFKC');
  if (FORBIDDEN.test(folded)) return reject('invalid-characters');
  const withoutSeparators = folded.replace(SIP_USER_SEPARATORS, '');
  const user = PHONE_LIKE_USER.test(withoutSeparators) ? withoutSeparators : folded;
  if (!SIP_USER.test(user)) return reject('invalid-characters');
  return { ok: true, target: user };
}

/**
 * host[:port], canonical. Host: a DNS name (RFC 3261 hostname, ASCII only), a dotted IPv4 without
 * leading zeros (010.0.0.1 is octal to some resolvers), or a bracketed IPv6 without zone id.
 * Non-ASCII (IDN) hosts are refused rather than converted: a look-alike domain in a clicked link
 * is the homograph trick. Port 1–65535. Null when any of it is off.
 */
function parseHostPort(text: string): string | null {
  let host: string;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    const address = text.slice(1, close).toLowerCase();
    if (!/^[0-9a-f:.]+$/.test(address) || !isIPv6(address)) return null;
    host = `[${address}]`;
    const after = text.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return null;
      port = after.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    const name = (colon < 0 ? text : text.slice(0, colon)).toLowerCase();
    if (colon >= 0) port = text.slice(colon + 1);
    if (/^[0-9.]+$/.test(name)) {
      if (!IPV4.test(name)) return null;
    } else if (!isDomainName(name) || !/^[a-z]/.test(name.slice(name.lastIndexOf('.') + 1))) {
      // RFC 3261 toplabel starts with a letter; all-numeric names are addresses, checked above.
      return null;
    }
    host = name;
  }
  if (port === undefined) return host;
  if (!/^[0-9]{1,5}$/.test(port)) return null;
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65535) return null;
  return `${host}:${portNumber}`;
}

/** Lower-case ASCII DNS name: labels of 1–63 letters, digits and inner hyphens, ≤ 253 in all. */
function isDomainName(name: string): boolean {
  if (name === '' || name.length > 253) return false;
  return name.split('.').every((label) => label.length <= 63 && DOMAIN_LABEL.test(label));
}

// ---------------------------------------------------------------------------------------------
// tsunagu: (our own scheme)

/**
 * `tsunagu://dial?number=…` or `tsunagu:dial?number=…` (a trailing `/` after `dial` is tolerated).
 * The query is read as RFC 3986 text, not as an HTML form: `+` stays a plus, because
 * `number=+81312345678` is how people write it and form decoding would turn it into a space and
 * silently make an international number national. `number` must appear exactly once: with two,
 * which one gets dialled would depend on the parser (parameter pollution). Other keys are
 * ignored but must be URI text.
 */
function parseTsunagu(body: string): Outcome {
  const rest = withoutAuthorityMarker(body);
  const question = rest.indexOf('?');
  const path = (question < 0 ? rest : rest.slice(0, question)).toLowerCase();
  const query = question < 0 ? '' : rest.slice(question + 1);

  // Provisioning links (tsunagu://provision?…) will plug in here as their own branch, with their
  // own allowlist and a confirmation in the UI. Until then every other path is refused.
  if (path !== 'dial' && path !== 'dial/') return reject('not-a-dial-link');

  let rawNumber: string | undefined;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = percentDecode(equals < 0 ? pair : pair.slice(0, equals));
    if (key === null) return reject('malformed');
    if (key !== 'number') {
      if (!URI_TEXT.test(pair)) return reject('invalid-characters');
      continue;
    }
    if (rawNumber !== undefined) return reject('malformed');
    rawNumber = equals < 0 ? '' : pair.slice(equals + 1);
  }
  if (rawNumber === undefined) return reject('empty-number');

  const decodedNumber = percentDecode(rawNumber);
  if (decodedNumber === null) return reject('malformed');
  return normalizeNumber(decodedNumber);
}
