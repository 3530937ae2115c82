// CTI URL templates (顧客情報表示・CTI連動): a URL typed in the settings with {number}, {name},
// {called}, {line}, {direction} and {callId} in its path, query or fragment, filled with the
// values of one call. The values are the caller's text — a SIP display name is whatever the
// other side (or a spoofing gateway) chose — so each one is made inert before it goes in:
// nothing a caller sends may add a query parameter, change the path the template points at,
// reach another site, or hide text from the person reading the URL bar.
//
// The template itself was checked when it was saved (contract.ts ctiTemplateProblem); it is
// checked again here because the settings file can be edited by hand, and the filled URL is
// parsed once more as a last line of defence before anything is opened or posted to.

import { ctiTemplateProblem, CTI_PLACEHOLDERS, type CtiPlaceholder } from '../../src-preload/contract';

/** Longest value placed in a URL, in code points. Long enough for any name or number a CRM
 *  looks up; short enough that a 100 kB display name cannot make a URL browsers or servers
 *  refuse (or one that pushes the rest of the query out of a log line). */
export const CTI_VALUE_MAX_CODE_POINTS = 128;

// Characters that carry no text, only effects:
//  - C0 and C1 controls (incl. tab, CR, LF, DEL): a URL parser strips some of them silently and
//    a receiver's log would take a CR/LF as a new line;
//  - bidi controls (LRM/RLM, LRE…RLO incl. U+202E RIGHT-TO-LEFT OVERRIDE, LRI…PDI, ALM): they
//    reorder what a person sees, e.g. make a path read as a different one ("Trojan Source");
//  - zero-width characters (ZWSP, ZWNJ, ZWJ, WORD JOINER, BOM): invisible, so two values that
//    look the same would look up different records.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;
// A surrogate without its partner is no character at all; encodeURIComponent throws on one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const PLACEHOLDER = /\{([^{}]*)\}/g;
// The WHATWG parser (browsers, Node) removes a "." path segment and a ".." one with the segment
// before it, also when spelled %2e: a value that is a whole segment of them would move the URL
// up the template's path. No percent-encoding can spell a literal dot segment, so such a fill
// is refused instead.
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * A value as it is placed in a URL, before percent-encoding: lone surrogates and invisible
 * characters removed, NFC (so the same name typed on a Mac and on Windows is the same bytes),
 * then cut to CTI_VALUE_MAX_CODE_POINTS code points — never inside a surrogate pair.
 */
export function inertCtiValue(value: string): string {
  // Stripped before NFC: a control between a letter and its combining mark must not keep them
  // from composing.
  const text = value.replace(LONE_SURROGATE, '').replace(INVISIBLE, '').normalize('NFC');
  if (text.length <= CTI_VALUE_MAX_CODE_POINTS) return text;
  let out = '';
  let count = 0;
  for (const codePoint of text) {
    if (count === CTI_VALUE_MAX_CODE_POINTS) break;
    out += codePoint;
    count += 1;
  }
  return out;
}

/** The template's path before its first placeholder, or all of it when the placeholders are only
 *  in the query or fragment: what every filled URL must start with. */
function pathPrefixOf(template: string): { prefix: string; exact: boolean } | null {
  const first = template.search(PLACEHOLDER);
  const stem = first < 0 ? template : template.slice(0, first);
  const inPath = first >= 0 && !/[?#]/.test(stem.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, ''));
  try {
    const url = new URL(inPath ? stem : template.replace(PLACEHOLDER, 'x'));
    return { prefix: url.pathname, exact: !inPath };
  } catch {
    return null;
  }
}

/**
 * The template with every placeholder replaced by its value, made inert and percent-encoded
 * (encodeURIComponent: & # = ? / + %, spaces and non-ASCII all become %XX, so a value stays
 * one value of one parameter or one path segment). null when the template is not acceptable
 * (ctiTemplateProblem) or the filled URL would leave the template's origin or path prefix —
 * the caller then opens or sends nothing.
 */
export function fillCtiTemplate(template: string, values: Record<CtiPlaceholder, string>): string | null {
  if (template === '' || ctiTemplateProblem(template, true) !== null) return null;
  const encoded = new Map<string, string>();
  for (const name of CTI_PLACEHOLDERS) encoded.set(name, encodeURIComponent(inertCtiValue(values[name])));
  // One pass over the template: a value is never scanned for placeholders itself (and could
  // not hold one anyway, its braces being encoded).
  const filled = template.replace(PLACEHOLDER, (whole, name: string) => encoded.get(name) ?? whole);

  // Segments line up one to one: encoded values contain no '/'. Only segments a value went
  // into are looked at; dot segments the template author wrote are theirs.
  const pathEnd = (text: string) => {
    const afterAuthority = text.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '');
    const end = afterAuthority.search(/[?#]/);
    return (end < 0 ? afterAuthority : afterAuthority.slice(0, end)).split('/');
  };
  const templateSegments = pathEnd(template);
  const filledSegments = pathEnd(filled);
  if (templateSegments.length !== filledSegments.length) return null;
  for (const [index, segment] of filledSegments.entries()) {
    if (/\{[^{}]*\}/.test(templateSegments[index] ?? '') && DOT_SEGMENT.test(segment)) return null;
  }

  // Defence in depth: whatever the checks above missed, the URL that leaves must be on the
  // template's site and under the template's path.
  let url: URL;
  let origin: string;
  try {
    url = new URL(filled);
    origin = new URL(template.replace(PLACEHOLDER, 'x')).origin;
  } catch {
    return null;
  }
  const path = pathPrefixOf(template);
  if (url.origin !== origin || url.origin === 'null' || path === null) return null;
  if (path.exact ? url.pathname !== path.prefix : !url.pathname.startsWith(path.prefix)) return null;
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}
