// Phone numbers as Japanese offices write them, turned into one key per number so that an
// incoming call finds its contact with a single index probe. The same number arrives in many
// spellings — 03-1234-5678 in the phonebook, +81312345678 from the carrier, （０３）１２３４－５６７８
// pasted from a web page, 81312345678 from a gateway that drops the + — and all of them must
// produce the same key. Extensions (1001) and feature codes (*21#) are not phone numbers in
// the E.164 sense; they keep their dial string as the key.
//
// Metadata: the `min` build (what 'libphonenumber-js' resolves to). Its "valid" for Japan is
// the national-number shape (any 9-digit number, or 10 digits starting 2 or 5–9: 020/050/060/
// 070/080/090/0800) plus the possible lengths, where `max` checks the exact allocated ranges.
// For a matching key the looser check is the right one: with `max`, a number in a range the
// bundled metadata does not know yet (JP keeps opening ranges: 060 mobiles, 020 M2M) would be
// "invalid", fall back to its dial string, and 060-1234-5678 in the phonebook would no longer
// meet +816012345678 on the wire. `min` is also half the size and loads faster. We never need
// the number type (fixed/mobile), which is what `max` adds.
//
// Hot path: the incoming-call lookup and bulk imports. Common Japanese shapes (0-national,
// +81, 81 without the +, short extensions) are decided here without the library; everything
// else goes through libphonenumber. The fast path is a transcription of the library's answer
// for those shapes, and a property test holds the two equal.

import { type CountryCode, parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/min';

/** Longest dial string kept; anything longer is not a phone number (and must not become a key). */
const MAX_DIAL_LENGTH = 64;

/**
 * Characters that only format a number: whitespace, hyphens and dashes (ASCII, typographic, the
 * minus sign and the katakana long-vowel mark people type from a kana IME), brackets, dots,
 * slashes and the middle dot. Checked after NFKC, so full-width forms arrive as their ASCII twins.
 */
function isSeparator(code: number): boolean {
  switch (code) {
    case 0x20: // space (U+3000 and NBSP become this under NFKC)
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x2d: // -
    case 0x2e: // .
    case 0x28: // (
    case 0x29: // )
    case 0x5b: // [
    case 0x5d: // ]
    case 0x2f: // /
    case 0x2010: // ‐ hyphen
    case 0x2011: // ‑ non-breaking hyphen
    case 0x2012: // ‒ figure dash
    case 0x2013: // – en dash
    case 0x2014: // — em dash
    case 0x2015: // ― horizontal bar
    case 0x2212: // − minus sign
    case 0x30fc: // ー long-vowel mark (half-width ｰ becomes this under NFKC)
    case 0x30fb: // ・ middle dot
    case 0x3000: // ideographic space, in case NFKC was skipped
      return true;
    default:
      return false;
  }
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

// Any character outside ASCII: NFKC is needed (full-width digits and punctuation).
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Reads the dial string out of free text: digits, `*`, `#` and a leading `+`.
 *
 * `loose` is for what people store in a phonebook: a label before the number is skipped
 * ('TEL: 03-…', '携帯 090-…'), and after the number has started, anything that is neither a
 * dial character nor a separator ends it — so an extension ('03-1234-5678 内線 12', '… ext. 12',
 * '… x12'), an annotation ('（代表）') or a second number ('…、03-1234-5679') is not glued on.
 * `strict` (for SIP user parts and for deciding whether to reformat) accepts only dial
 * characters and separators, and returns null for anything else.
 *
 * Returns '' when nothing dialable is there or the result would exceed MAX_DIAL_LENGTH.
 */
function extractDialString(raw: string, strict: boolean): string | null {
  const text = NON_ASCII.test(raw) ? raw.normalize('NFKC') : raw;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isDigit(code) || code === 0x2a /* * */ || code === 0x23 /* # */) {
      if (out.length >= MAX_DIAL_LENGTH) return '';
      out += text[i];
    } else if (code === 0x2b /* + */) {
      // Only a leading + means "international"; one in the middle is noise (or a typo).
      if (out === '') out = '+';
      else if (strict) return null;
      else break;
    } else if (isSeparator(code)) {
      continue;
    } else if (strict) {
      return null;
    } else if (out !== '' && out !== '+') {
      break;
    }
  }
  return out === '+' ? '' : out;
}

// The fast path decides the shapes below exactly as libphonenumber (min metadata, JP) does;
// `tests/unit/contacts/phone-number.test.ts` checks that on generated digit strings.
//
// A Japanese national significant number (the part after 0 or +81) is valid in the min
// metadata when it is 9 digits not starting with 0, or 10 digits starting with 2 or 5–9.
function isJpNsn(digits: string, from: number): boolean {
  const length = digits.length - from;
  const first = digits.charCodeAt(from);
  if (length === 9) return first >= 0x31 && first <= 0x39;
  if (length === 10) return first === 0x32 || (first >= 0x35 && first <= 0x39);
  return false;
}

function allDigits(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** The key for a dial string with the common shapes decided here; undefined means "ask the library". */
function fastKey(dial: string, region: CountryCode): string | undefined {
  if (dial.startsWith('+')) {
    // +81 3 1234 5678, with or without the "(0)" some people write after the country code.
    if (!dial.startsWith('+81') || !allDigits(dial, 3)) return undefined;
    if (isJpNsn(dial, 3)) return dial;
    if (dial.charCodeAt(3) === 0x30 && dial.charCodeAt(4) !== 0x30 && isJpNsn(dial, 4)) return `+81${dial.slice(4)}`;
    return undefined;
  }
  if (region !== 'JP' || !allDigits(dial, 0)) return undefined;
  if (dial.charCodeAt(0) === 0x30) {
    // 0 + national number. Not 00… (carrier and special prefixes) and not 010 (the
    // international call prefix), which the library handles.
    const second = dial.charCodeAt(1);
    if (second === 0x30 || (second === 0x31 && dial.charCodeAt(2) === 0x30)) return undefined;
    return isJpNsn(dial, 1) ? `+81${dial.slice(1)}` : undefined;
  }
  // Without the 0, nothing up to 8 digits is a Japanese number: extensions, short codes.
  if (dial.length <= 8) return dial;
  // 3 1234 5678: the national number with its 0 dropped, as Excel does to a phone column. The
  // library reads it that way, so the key does too.
  if (isJpNsn(dial, 0)) return `+81${dial}`;
  // 81 3 1234 5678: the country code without its + (gateways, and Excel turning +81… into a number).
  if (dial.startsWith('81') && isJpNsn(dial, 2)) return `+${dial}`;
  return undefined;
}

function parseValid(dial: string, region: CountryCode): PhoneNumber | undefined {
  try {
    const parsed = parsePhoneNumberFromString(dial, region);
    return parsed?.isValid() === true ? parsed : undefined;
  } catch {
    // parsePhoneNumberFromString reports failure as undefined, not by throwing; but this runs
    // on the incoming-call path, where a library surprise must cost a contact match, not the call.
    return undefined;
  }
}

function keyFor(dial: string, region: CountryCode): string {
  if (dial === '') return '';
  // Feature codes and DTMF suffixes are dialled as typed; the library would read past the * or #.
  if (dial.includes('*') || dial.includes('#')) return dial;
  return fastKey(dial, region) ?? parseValid(dial, region)?.number ?? dial;
}

/** The key numbers are matched on: E.164 ('+81312345678') when the number parses as a valid/possible
 *  phone number (JP default region), otherwise the bare dial string (digits, *, #; e.g. extensions '1001',
 *  feature codes '*21#'). '' when nothing dialable.
 *
 *  "Valid" is libphonenumber's min-metadata check (length and number shape, not allocated ranges).
 *  Text around the number is tolerated: a label before it ('TEL:', '携帯') is skipped and anything
 *  after it that is not a separator ends it ('内線 12', 'ext. 12', '（代表）', '、' and a second
 *  number), so the key is the number caller ID shows. 9–10 digits without the leading 0, and 81…
 *  without the +, are read as Japanese numbers (as the library does; Excel and some gateways strip
 *  those characters). Dial strings longer than 64 characters give ''. */
export function normalizePhoneNumber(raw: string, defaultRegion: CountryCode = 'JP'): string {
  return keyFor(extractDialString(raw, false) ?? '', defaultRegion);
}

// An RFC 3986 percent-escape, e.g. %2B for + and %23 for # in a SIP user part.
const PERCENT_ESCAPE = /%([0-9a-f]{2})/gi;

/** The user part of a SIP/tel URI or name-addr, or the text itself when it is not a URI. */
function remoteUser(remote: string): string {
  let text = remote.trim();
  // Name-addr ('"Yamada" <sip:…>'): only the URI counts; a display name may hold any digits.
  const open = text.indexOf('<');
  if (open >= 0) {
    const close = text.indexOf('>', open + 1);
    text = text.slice(open + 1, close < 0 ? undefined : close).trim();
  }
  const scheme = /^(sips?|tel):/i.exec(text);
  if (scheme !== null) {
    text = text.slice(scheme[0].length);
    const isTel = scheme[1]?.toLowerCase() === 'tel';
    const at = text.indexOf('@');
    // sip:host has no user part: an IP address there must not read as a number.
    if (!isTel && at < 0) return '';
    if (at >= 0) text = text.slice(0, at);
  } else {
    const at = text.indexOf('@');
    if (at >= 0) text = text.slice(0, at);
  }
  // User-part and tel: parameters (;phone-context=…, ;isub=…, ;ext=…) and URI headers are not the number.
  const end = text.search(/[;?]/);
  if (end >= 0) text = text.slice(0, end);
  return text.includes('%') ? text.replace(PERCENT_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : text;
}

/** The remote party of an incoming call: accepts '0312345678', '+81312345678', '81312345678' (some gateways
 *  drop the +), 'sip:0312345678@pbx;user=phone', '<sip:+81-3-1234-5678@gw>', 'tel:+81312345678', 'anonymous'
 *  → '' . Uses the SIP URI user part.
 *
 *  A user part that is not purely a number ('anonymous', 'unavailable', 'alice') gives '', as does a
 *  sip: URI without a user part; the display name is never used. */
export function normalizeRemoteNumber(remote: string, defaultRegion: CountryCode = 'JP'): string {
  // Strict: a user part with letters is a name ('anonymous', 'unavailable', 'alice'), not a
  // number, and must not match a contact by the digits it happens to contain.
  const dial = extractDialString(remoteUser(remote), true);
  return dial === null ? '' : keyFor(dial, defaultRegion);
}

/** Number for display in Japanese national format when it's a JP number ('03-1234-5678', '090-1111-2222',
 *  '0120-123-456'), international format otherwise, the input unchanged if unparsable.
 *
 *  "Unparsable" includes text that is more than a number ('03-1234-5678（代表）'), extensions, feature
 *  codes and anything normalizePhoneNumber does not turn into E.164. */
export function formatPhoneNumber(raw: string, defaultRegion: CountryCode = 'JP'): string {
  // Only text that is a number and nothing else is reformatted: '03-1234-5678（代表）' or
  // '… 内線 12' are shown as the user wrote them rather than silently losing the note.
  const dial = extractDialString(raw, true);
  if (dial === null || dial === '' || dial.includes('*') || dial.includes('#')) return raw;
  const key = fastKey(dial, defaultRegion);
  if (key !== undefined) {
    if (!key.startsWith('+')) return raw; // an extension or short code
    // 10-digit national numbers (mobile, 050, 020, 0800) have one fixed grouping each; the
    // 9-digit ones depend on the area code, which is the metadata's job.
    if (key.length === 13) {
      const nsn = key.slice(3);
      return nsn.startsWith('800') ? `0${nsn.slice(0, 3)}-${nsn.slice(3, 6)}-${nsn.slice(6)}` : `0${nsn.slice(0, 2)}-${nsn.slice(2, 6)}-${nsn.slice(6)}`;
    }
  }
  const parsed = parseValid(key ?? dial, defaultRegion);
  if (parsed === undefined) return raw;
  const shown = parsed.country === 'JP' ? parsed.formatNational() : parsed.formatInternational();
  // Numbers the metadata accepts but has no grouping for (JP 00… carrier and toll-free codes)
  // come back as one run of digits; the user's own spacing is better than none.
  return /[ -]/.test(shown) ? shown : raw;
}
