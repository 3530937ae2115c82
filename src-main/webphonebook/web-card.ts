// One vCard from a CardDAV server → the personal phonebook's ContactInput shape.
//
// The mapping itself (labels from TYPE / X-ABLabel, kana from X-PHONETIC-* then N;SORT-AS then
// SORT-STRING, ORG → company / department, PHOTO sniffed and capped) is the importer's:
// importVcard() in contacts/import-export/vcard.ts. What differs is the policy on bad input.
// An import shows the user each rejected row and applies all or nothing; a web phonebook is
// somebody else's data, synced unattended, and one card with a 100 kB name or a TEL written as
// "03-1234-5678 内線 12" must not cost the whole card, let alone the sync. So before handing the
// card to importVcard() this module rewrites the properties the mapping reads into values the
// contract accepts:
//   - text: control characters become spaces (NOTE keeps its line breaks), zero-width and
//     bidi-override characters are removed, then it is truncated (with …) to the contract's
//     length. HTML stays what it is: text. Nothing here interprets markup, and the renderer
//     shows it as text.
//   - TEL values the contract would reject are dropped, and numbers beyond the 10th.
//   - an invalid EMAIL is dropped.
//   - no name at all: the company, the e-mail or the first number becomes the name.
// Lines the reader cannot split are dropped (an import would reject the card). Everything the
// mapping does not read (ADR, URL, BDAY, CATEGORIES, X-…) is dropped before parsing.

import { ContactInput, ContactNumber } from '../../src-preload/contract';
import { importVcard } from '../contacts/import-export/vcard';
import { parseProperty, splitCards, splitCompound, unescapeText, type LogicalLine, type Property } from '../contacts/import-export/vcard-reader';

export interface WebCard {
  /** The card's UID ('' when it has none; the href identifies it then). */
  uid: string;
  contact: ContactInput;
  /** What was changed or dropped to make the card fit, e.g. 'FN truncated', 'TEL dropped'. */
  warnings: string[];
}

export type WebCardResult = { ok: true; card: WebCard } | { ok: false; reason: string };

/** Limits of the contract (ContactInput) the values are cut to. */
const MAX_TEXT = 128;
const MAX_LABEL = 32;
const MAX_NOTES = 2000;
const MAX_NUMBERS = 10;
const MAX_UID = 255;
/** X-PHONETIC-LAST + ' ' + X-PHONETIC-FIRST (and the two SORT-AS parts) must fit in MAX_TEXT. */
const MAX_KANA_PART = 63;

/** Properties the mapping reads. */
const TEXT_PROPS = new Set(['FN', 'X-PHONETIC-LAST-NAME', 'X-PHONETIC-FIRST-NAME', 'SORT-STRING', 'NOTE', 'EMAIL', 'X-ABLABEL']);
const KEPT_AS_IS = new Set(['VERSION', 'PHOTO']);

// C0/C1 controls (including line breaks, which are not allowed in single-line fields).
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROLS_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]+/g;
// Zero-width characters, bidi embeddings/overrides/isolates, word joiner, BOM: invisible, and
// an override makes a name display as something else (「‮evil」).
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Single-line text the contract accepts, at most `max` characters (code points). */
export function cleanText(value: string, max: number): { text: string; truncated: boolean } {
  const text = value.replace(CONTROLS, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  return truncate(text, max);
}

function cleanNotes(value: string): { text: string; truncated: boolean } {
  const text = value.replace(/\r\n?/g, '\n').replace(CONTROLS_EXCEPT_NEWLINE, ' ').replace(INVISIBLE, '').trim();
  return truncate(text, MAX_NOTES);
}

function truncate(text: string, max: number): { text: string; truncated: boolean } {
  // Cheap check first: code points ≤ UTF-16 units.
  if (text.length <= max) return { text, truncated: false };
  const points = Array.from(text);
  if (points.length <= max) return { text, truncated: false };
  return { text: `${points.slice(0, max - 1).join('').trimEnd()}…`, truncated: true };
}

/** Text value escaping (RFC 6350 §3.4), for writing a cleaned value back into a content line. */
function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

/** The content line with its value replaced, group and parameters as they were. */
function withValue(entry: LogicalLine, property: Property, value: string): string {
  return entry.text.slice(0, entry.text.length - property.value.length) + value;
}

const validNumber = (number: string) => ContactNumber.shape.number.safeParse(number).success;
const validEmail = (email: string) => ContactInput.shape.email.safeParse(email).success;

/** The number as the importer will read it (VALUE=uri as written, a tel: prefix removed). */
function telNumber(property: Property): string {
  const isUri = (property.params.get('VALUE') ?? []).some((v) => v.toLowerCase().split(',').includes('uri'));
  const value = (isUri ? property.value : unescapeText(property.value)).trim();
  return /^tel:/i.test(value) ? value.slice(4) : value;
}

/** SORT-AS components cannot carry a comma, a double quote or a caret (RFC 6868). */
function cleanSortAs(value: string): string {
  return cleanText(value.replace(/[",^]/g, ' '), MAX_KANA_PART).text;
}

export function readWebCard(vcardText: string): WebCardResult {
  const blocks = splitCards(vcardText);
  const card = blocks.find((block) => block.kind === 'card' && block.complete);
  if (!card || card.kind !== 'card') return { ok: false, reason: 'malformed-card' };
  const warnings: string[] = [];
  if (blocks.filter((block) => block.kind === 'card').length > 1) warnings.push('more than one vCard in the resource: the first was used');

  const lines: string[] = [];
  let uid = '';
  let name = '';
  let nName = '';
  let company = '';
  let email = '';
  let firstNumber = '';
  let numbers = 0;
  let dropped = 0;

  for (const entry of card.lines) {
    const property = parseProperty(entry);
    if (property === null) {
      dropped++;
      continue;
    }
    const key = property.name;
    if (key === 'UID') {
      uid = cleanText(unescapeText(property.value), MAX_UID).text;
      continue;
    }
    if (KEPT_AS_IS.has(key)) {
      lines.push(entry.text);
      continue;
    }
    if (key === 'TEL') {
      const number = telNumber(property);
      if (!validNumber(number)) {
        warnings.push('TEL dropped: not a phone number');
        continue;
      }
      if (numbers >= MAX_NUMBERS) {
        warnings.push(`TEL dropped: more than ${MAX_NUMBERS} numbers`);
        continue;
      }
      numbers++;
      firstNumber ||= number.trim();
      lines.push(entry.text);
      continue;
    }
    if (key === 'N') {
      // Family and given name become the name when FN is missing: both must fit in it.
      const parts = splitCompound(property.value).map((part) => cleanText(part, MAX_KANA_PART).text);
      nName ||= [parts[0] ?? '', parts[1] ?? ''].filter((part) => part !== '').join(' ');
      const sortAs = (property.params.get('SORT-AS') ?? []).flatMap((value) => value.split(',')).map(cleanSortAs);
      const sortAsParam = sortAs.some((part) => part !== '') ? `;SORT-AS="${sortAs.slice(0, 2).join(',')}"` : '';
      lines.push(`${property.group ? `${property.group}.` : ''}N${sortAsParam}:${parts.map(escapeText).join(';')}`);
      continue;
    }
    if (key === 'ORG') {
      const parts = splitCompound(property.value).map((part) => part.trim());
      const org = cleanText(parts[0] ?? '', MAX_TEXT);
      const department = cleanText(parts.slice(1).filter((part) => part !== '').join(' '), MAX_TEXT);
      if (org.truncated || department.truncated) warnings.push('ORG truncated');
      company ||= org.text;
      lines.push(withValue(entry, property, department.text === '' ? escapeText(org.text) : `${escapeText(org.text)};${escapeText(department.text)}`));
      continue;
    }
    if (TEXT_PROPS.has(key)) {
      const raw = unescapeText(property.value);
      const max = key === 'X-ABLABEL' ? MAX_LABEL : key === 'EMAIL' ? 254 : key.startsWith('X-PHONETIC-') ? MAX_KANA_PART : MAX_TEXT;
      const cleaned = key === 'NOTE' ? cleanNotes(raw) : cleanText(raw, max);
      if (key === 'EMAIL' && !validEmail(cleaned.text)) {
        warnings.push('EMAIL dropped: not an address');
        continue;
      }
      if (cleaned.truncated) warnings.push(`${key} truncated`);
      if (key === 'FN') name ||= cleaned.text;
      if (key === 'EMAIL') email ||= cleaned.text;
      lines.push(withValue(entry, property, escapeText(cleaned.text)));
      continue;
    }
    // Anything else: not read by the mapping.
  }
  if (dropped > 0) warnings.push(`${dropped} unreadable line(s) dropped`);

  if (name === '' && nName === '') {
    // No FN and no N (the importer's fallback): say who it is some other way.
    const fallback = company || email || firstNumber;
    if (fallback === '') return { ok: false, reason: 'missing-name' };
    lines.push(`FN:${escapeText(fallback)}`);
    warnings.push('no name: used the company, e-mail or number');
  }

  const result = importVcard(`BEGIN:VCARD\r\n${lines.join('\r\n')}\r\nEND:VCARD\r\n`);
  const contact = result.contacts[0];
  if (!contact) return { ok: false, reason: result.rejected[0]?.reason ?? 'malformed-card' };
  return { ok: true, card: { uid, contact: { ...contact, favourite: false }, warnings } };
}
