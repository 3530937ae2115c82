// vCard import (3.0 and 4.0) and export.
import type { ContactInput, ContactNumber } from '../../../src-preload/contract';
import { base64OfDataUrl, photoFromBase64 } from './photo';
import { LABEL, type RejectedRow } from './types';
import { shorten, validateContact } from './validate';
import { parseProperty, splitCards, splitCompound, unescapeText, type Property } from './vcard-reader';

export interface VcardImportResult {
  contacts: ContactInput[];
  rejected: RejectedRow[];
  totalRows: number;
}

export function importVcard(text: string): VcardImportResult {
  const contacts: ContactInput[] = [];
  const rejected: RejectedRow[] = [];
  const blocks = splitCards(text);
  for (const block of blocks) {
    if (block.kind === 'stray') {
      rejected.push({ line: block.line, reason: 'malformed-card', detail: `not inside BEGIN:VCARD … END:VCARD: ${JSON.stringify(shorten(block.text))}` });
      continue;
    }
    if (!block.complete) {
      rejected.push({ line: block.line, reason: 'malformed-card', detail: 'END:VCARD missing' });
      continue;
    }
    const properties: Property[] = [];
    let broken: string | null = null;
    for (const entry of block.lines) {
      const property = parseProperty(entry);
      if (property === null) {
        broken = `line ${entry.line}: ${JSON.stringify(shorten(entry.text))}`;
        break;
      }
      properties.push(property);
    }
    if (broken !== null) {
      rejected.push({ line: block.line, reason: 'malformed-card', detail: broken });
      continue;
    }
    const version = first(properties, 'VERSION')?.value.trim();
    // 2.1 (feature phones, old Outlook) differs in ways that would import wrongly rather than
    // fail: QUOTED-PRINTABLE values, CHARSET parameters.
    if (version !== undefined && version !== '3.0' && version !== '4.0') {
      rejected.push({ line: block.line, reason: 'unsupported-version', detail: shorten(version) });
      continue;
    }
    const result = validateContact(cardToContact(properties));
    if (result.ok) contacts.push(result.contact);
    else rejected.push({ line: block.line, reason: result.reason, detail: result.detail });
  }
  return { contacts, rejected, totalRows: blocks.length };
}

function first(properties: readonly Property[], name: string): Property | undefined {
  return properties.find((property) => property.name === name);
}

function textOf(property: Property | undefined): string {
  return property === undefined ? '' : unescapeText(property.value).trim();
}

function join(a: string, b: string): string {
  const x = a.trim();
  const y = b.trim();
  return x && y ? `${x} ${y}` : x || y;
}

function lowerValues(property: Property, param: string): string[] {
  return (property.params.get(param) ?? []).flatMap((value) => value.split(',')).map((value) => value.trim().toLowerCase());
}

/** Apple's built-in labels, written as X-ABLabel:_$!<Mobile>!$_. */
const APPLE_LABELS: Readonly<Record<string, string>> = {
  mobile: LABEL.mobile,
  iphone: LABEL.mobile,
  home: LABEL.home,
  work: LABEL.work,
  main: LABEL.phone,
  other: LABEL.phone,
  homefax: LABEL.fax,
  workfax: LABEL.fax,
  otherfax: LABEL.fax,
};

function labelOf(tel: Property, groupLabels: ReadonlyMap<string, string>): string {
  const custom = tel.group === null ? undefined : groupLabels.get(tel.group.toLowerCase());
  if (custom !== undefined) {
    const apple = /^_\$!<(.*)>!\$_$/.exec(custom);
    if (!apple) return custom;
    const inner = apple[1] ?? '';
    return APPLE_LABELS[inner.toLowerCase()] ?? inner;
  }
  const types = new Set(lowerValues(tel, 'TYPE'));
  if (types.has('fax')) return LABEL.fax;
  if (types.has('cell') || types.has('iphone')) return LABEL.mobile;
  if (types.has('work')) return LABEL.work;
  if (types.has('home')) return LABEL.home;
  return LABEL.phone;
}

function numberOf(tel: Property): string {
  const isUri = lowerValues(tel, 'VALUE').includes('uri');
  const value = (isUri ? tel.value : unescapeText(tel.value)).trim();
  // tel: is a wrapper, not part of the number. Parameters (;ext=, ;phone-context=) are left in
  // place and so fail validation: dropping them would dial a different number.
  return /^tel:/i.test(value) ? value.slice(4) : value;
}

/** 4.0: PREF=1 (lowest wins); 3.0: TYPE=pref. Otherwise the first. */
function preferred(properties: readonly Property[]): Property | undefined {
  let best: Property | undefined;
  let bestRank = Infinity;
  for (const property of properties) {
    const pref = Number(property.params.get('PREF')?.[0]);
    const rank = Number.isInteger(pref) && pref >= 1 ? pref : lowerValues(property, 'TYPE').includes('pref') ? 1 : 101;
    if (rank < bestRank) {
      best = property;
      bestRank = rank;
    }
  }
  return best;
}

function photoOf(property: Property | undefined): string | null {
  if (property === undefined) return null;
  const encoding = lowerValues(property, 'ENCODING');
  if (encoding.includes('b') || encoding.includes('base64')) return photoFromBase64(property.value);
  const dataUrl = base64OfDataUrl(property.value);
  // A URL to fetch (VALUE=uri:https://…) is dropped: an import never touches the network.
  return dataUrl === null ? null : photoFromBase64(dataUrl.base64);
}

function cardToContact(properties: readonly Property[]): ContactInput {
  const all = (name: string) => properties.filter((property) => property.name === name);
  const n = first(properties, 'N');
  const nParts = n ? splitCompound(n.value) : [];

  // Kana, most explicit first: Apple/Google/Android phonetic names, then 4.0 N;SORT-AS, then
  // 3.0 SORT-STRING.
  const phonetic = join(textOf(first(properties, 'X-PHONETIC-LAST-NAME')), textOf(first(properties, 'X-PHONETIC-FIRST-NAME')));
  // RFC 6350 writes the components inside one quoted value: SORT-AS="さとう,はなこ".
  const sortAs = (n?.params.get('SORT-AS') ?? []).flatMap((value) => value.split(','));
  const kana = phonetic || join(sortAs[0] ?? '', sortAs[1] ?? '') || textOf(first(properties, 'SORT-STRING'));

  const org = first(properties, 'ORG');
  const orgParts = org ? splitCompound(org.value).map((part) => part.trim()) : [];

  const groupLabels = new Map<string, string>();
  for (const label of all('X-ABLABEL')) if (label.group !== null) groupLabels.set(label.group.toLowerCase(), textOf(label));

  const numbers: ContactNumber[] = all('TEL')
    .map((tel) => ({ label: labelOf(tel, groupLabels), number: numberOf(tel) }))
    .filter((entry) => entry.number !== '');

  const favourite = textOf(first(properties, 'X-TSUNAGU-FAVOURITE')).toLowerCase();

  return {
    // FN is the display name; N (family, given) only when FN is absent or empty.
    name: textOf(first(properties, 'FN')) || join(nParts[0] ?? '', nParts[1] ?? ''),
    kana,
    company: orgParts[0] ?? '',
    department: orgParts.slice(1).filter((part) => part !== '').join(' '),
    numbers,
    email: textOf(preferred(all('EMAIL'))),
    notes: first(properties, 'NOTE') ? unescapeText(first(properties, 'NOTE')?.value ?? '') : '',
    favourite: favourite === '1' || favourite === 'true' || favourite === 'yes',
    photo: photoOf(first(properties, 'PHOTO')),
  };
}

// ---------------------------------------------------------------------------------------------
// Export.

export type VcardVersion = '3.0' | '4.0';

/** Text escaping. 3.0's grammar has no bare ';' in text; 4.0 needs it escaped only in compound
 *  values, and some readers (ical.js) do not unescape it elsewhere, so 4.0 leaves it bare. */
function esc(value: string, semicolons: boolean): string {
  let out = value.replace(/\\/g, '\\\\').replace(/\r\n|\r|\n/g, '\\n').replace(/,/g, '\\,');
  if (semicolons) out = out.replace(/;/g, '\\;');
  return out;
}

/** Folds at 75 octets (RFC 6350 §3.2), never inside a UTF-8 sequence or a surrogate pair. */
function fold(line: string): string {
  if (line.length <= 75 / 3) return line;
  const out: string[] = [];
  let current = '';
  let octets = 0;
  let limit = 75;
  for (const char of line) {
    const code = char.codePointAt(0) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
      limit = 74; // the continuation line's leading space is the 75th
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const TYPE_OF_LABEL: Readonly<Record<string, string>> = {
  [LABEL.work]: 'work',
  [LABEL.mobile]: 'cell',
  [LABEL.home]: 'home',
  [LABEL.fax]: 'fax',
  [LABEL.phone]: 'voice',
};

/** 「山田 太郎」 → N:山田;太郎 (Japanese order, as people type it). Anything else goes whole in
 *  the family name: guessing which word is which would be wrong as often as right. */
function splitName(name: string): [string, string] {
  const match = /^(\S+)\s+(\S+)$/.exec(name);
  return match ? [match[1] ?? '', match[2] ?? ''] : [name, ''];
}

/** Kana split for X-PHONETIC-LAST/FIRST-NAME only where the import's rejoin (one ASCII space)
 *  gives the same string back; otherwise all of it is the last-name reading. */
function splitKana(kana: string): [string, string] {
  const match = /^(\S+) (\S+)$/.exec(kana);
  return match ? [match[1] ?? '', match[2] ?? ''] : [kana, ''];
}

function cardLines(contact: ContactInput, version: VcardVersion): string[] {
  const v3 = version === '3.0';
  const text = (value: string) => esc(value, v3);
  const type = (value: string) => (v3 ? value.toUpperCase() : value);
  const lines = ['BEGIN:VCARD', `VERSION:${version}`, `FN:${text(contact.name)}`];

  const [family, given] = splitName(contact.name);
  const [kanaLast, kanaFirst] = splitKana(contact.kana);
  // SORT-AS values cannot carry a comma (it separates them), a double quote or a caret (RFC 6868).
  const sortAs = !v3 && contact.kana !== '' && !/[",^\p{Cc}]/u.test(contact.kana) ? `;SORT-AS="${[kanaLast, kanaFirst].filter(Boolean).join(',')}"` : '';
  lines.push(`N${sortAs}:${esc(family, true)};${esc(given, true)};;;`);
  if (contact.kana !== '') {
    lines.push(`X-PHONETIC-LAST-NAME:${text(kanaLast)}`);
    if (kanaFirst !== '') lines.push(`X-PHONETIC-FIRST-NAME:${text(kanaFirst)}`);
    if (v3) lines.push(`SORT-STRING:${text(contact.kana)}`);
  }
  if (contact.company !== '' || contact.department !== '') {
    lines.push(`ORG:${esc(contact.company, true)}${contact.department === '' ? '' : `;${esc(contact.department, true)}`}`);
  }

  let group = 0;
  for (const { label, number } of contact.numbers) {
    const known = TYPE_OF_LABEL[label];
    // 4.0: a SIP URI is a URI value (no text escaping); everything else stays text, as typed.
    const uri = !v3 && /^sips?:/i.test(number);
    const value = uri ? number : text(number);
    const valueParam = uri ? ';VALUE=uri' : '';
    if (known !== undefined) {
      lines.push(`TEL;TYPE=${type(known)}${valueParam}:${value}`);
    } else {
      // Labels with no vCard TYPE (内線, 本社代表…) use Apple's grouped X-ABLabel, which
      // Apple, Google and Android read.
      group++;
      lines.push(`item${group}.TEL${valueParam}:${value}`, `item${group}.X-ABLabel:${text(label)}`);
    }
  }
  if (contact.email !== '') lines.push(`EMAIL${v3 ? ';TYPE=INTERNET' : ''}:${text(contact.email)}`);
  if (contact.notes !== '') lines.push(`NOTE:${text(contact.notes)}`);
  const photo = contact.photo === null ? null : base64OfDataUrl(contact.photo);
  if (photo !== null) {
    const subtype = photo.mime.replace(/^image\//, '').toUpperCase();
    lines.push(v3 ? `PHOTO;ENCODING=b;TYPE=${subtype}:${photo.base64}` : `PHOTO:data:${photo.mime};base64,${photo.base64}`);
  }
  if (contact.favourite) lines.push('X-TSUNAGU-FAVOURITE:1');
  lines.push('END:VCARD');
  return lines.map(fold);
}

export function exportVcardText(contacts: readonly ContactInput[], version: VcardVersion): string {
  return contacts.map((contact) => `${cardLines(contact, version).join('\r\n')}\r\n`).join('');
}

export function exportVcard(contacts: readonly ContactInput[], version: VcardVersion): Uint8Array {
  return new TextEncoder().encode(exportVcardText(contacts, version));
}
