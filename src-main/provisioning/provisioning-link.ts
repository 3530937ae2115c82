// `tsunagu://provision?…` links that fill in an account. Whoever wrote the web page or e-mail
// chose every byte of the link — and a link that quietly pointed the phone at their server would
// receive the user's calls and SIP credentials — so the query is read against an allowlist of
// keys, each at most once, nothing in it is repaired, and the result is only ever a draft that
// the UI shows for confirmation. Nothing here touches the network, a shell or the settings.
//
// Pure and synchronous: no state, no I/O.

import { isUtf8 } from 'node:buffer';
import { buildDraft, FieldValues } from './build-draft';
import { FORBIDDEN } from './labels';
import { type ProvisioningField, type ProvisioningResult } from './types';

/** Real links are a few hundred characters; the cap comes before any other work. */
export const MAX_LINK_LENGTH = 4096;

/** The keys a link may carry and the field each fills. Anything else is refused, not skipped:
 *  a key we do not know is a key whose meaning we cannot show the user. */
const LINK_KEYS: ReadonlyMap<string, ProvisioningField> = new Map([
  ['user', 'user'],
  ['domain', 'domain'],
  ['ws', 'wsServer'],
  ['name', 'displayName'],
  ['auth', 'authorizationUser'],
  ['proxy', 'outboundProxy'],
  ['service', 'serviceCode'],
  ['password', 'password'],
]);

/** Cheap prefix test (scheme and path case-insensitive); parseProvisioningLink decides validity. */
const PROVISION_PREFIX = /^\s*tsunagu:(?:\/\/)?provision(?:[/?#]|\s*$)/i;
/** The whole link: `tsunagu:` `//`? `provision` `/`? (`?` query)? — no fragment, no other path. */
const PROVISION_LINK = /^tsunagu:(?:\/\/)?provision\/?(?:\?(.*))?$/i;
/** What RFC 3986 allows in a query, plus non-ASCII text (a link pasted from a page, IRI-style).
 *  Raw spaces, quotes, angle brackets, `#` and the like are not a URI but an injection attempt. */
const QUERY_TEXT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]|\P{ASCII})*$/u;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Keeps a decoded U+FEFF rather than swallowing it as a byte-order mark, so it can be refused. */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * RFC 3986 percent-decoding as UTF-8, without form decoding: `+` stays a plus (`user=+81…` and
 * passwords with `+` are common, and turning them into spaces would silently change them). null
 * for a stray `%` or escaped bytes that are not UTF-8. Written out rather than decodeURIComponent
 * so that nothing here can throw.
 */
function percentDecode(text: string): string | null {
  if (BAD_ESCAPE.test(text)) return null;
  let decoded = '';
  let at = 0;
  for (;;) {
    const escape = text.indexOf('%', at);
    if (escape < 0) return decoded + text.slice(at);
    decoded += text.slice(at, escape);
    const bytes: number[] = [];
    at = escape;
    while (text.charCodeAt(at) === 0x25) {
      bytes.push(Number.parseInt(text.slice(at + 1, at + 3), 16));
      at += 3;
    }
    const run = Uint8Array.from(bytes);
    if (!isUtf8(run)) return null;
    decoded += UTF8.decode(run);
  }
}

/** True when the text looks like a provisioning link (an overlong one too, so that it is routed
 *  here and refused as 'too-large'); says nothing about whether it is valid. */
export function isProvisioningLink(text: string): boolean {
  return typeof text === 'string' && PROVISION_PREFIX.test(text);
}

/**
 * Reads a provisioning link into a draft account. Never throws. Refusals: 'too-large', 'empty',
 * 'malformed' (not this link, bad escapes, a duplicate key, control or format characters raw or
 * escaped), 'unknown-parameter', and the draft's own ('no-account', 'invalid-field', …).
 */
export function parseProvisioningLink(link: string): ProvisioningResult {
  if (typeof link !== 'string') return { ok: false, reason: 'malformed' };
  if (link.length > MAX_LINK_LENGTH) return { ok: false, reason: 'too-large' };
  const text = link.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  if (FORBIDDEN.test(text)) return { ok: false, reason: 'malformed' };

  const match = PROVISION_LINK.exec(text);
  if (match === null) return { ok: false, reason: 'malformed' };
  const query = match[1] ?? '';
  if (!QUERY_TEXT.test(query)) return { ok: false, reason: 'malformed' };

  // Every pair is decoded before any is used, so an escaped control character anywhere — even
  // under a key we would refuse anyway — is reported as what it is.
  const pairs: Array<{ key: string; value: string }> = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = percentDecode(equals < 0 ? pair : pair.slice(0, equals));
    const value = percentDecode(equals < 0 ? '' : pair.slice(equals + 1));
    if (key === null || value === null || FORBIDDEN.test(key) || FORBIDDEN.test(value)) return { ok: false, reason: 'malformed' };
    pairs.push({ key, value });
  }

  const values = new FieldValues();
  const seen = new Set<string>();
  for (const { key, value } of pairs) {
    const field = LINK_KEYS.get(key);
    if (field === undefined) return { ok: false, reason: 'unknown-parameter' };
    // With two, which one counts would depend on the parser (parameter pollution).
    if (seen.has(key)) return { ok: false, reason: 'malformed' };
    seen.add(key);
    values.add(field, value);
  }
  return buildDraft(values, []);
}
