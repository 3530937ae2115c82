// The 「ご利用内容のご案内」/「アカウント情報」 sheet a PBX provider sends, as the user pastes it
// from a PDF viewer or a mail client. The text is whatever landed on the clipboard — and anyone
// can mail a user a "settings sheet" — so this is hostile input: lines are matched against a fixed
// label vocabulary, values are width-folded and trimmed but never repaired, two different values
// for one field are refused rather than chosen between, and the password only ever goes to
// `draft.password`.
//
// Pure and synchronous: no state, no I/O, so unit and property tests pin it down completely.

import { buildDraft, FieldValues } from './build-draft';
import { fieldForLabel, IgnoredLabels, labelKey } from './labels';
import { type ProvisioningField, type ProvisioningResult } from './types';

/** A real sheet is a few hundred bytes; the cap (in UTF-16 code units, known without a scan)
 *  bounds the cost of a hostile paste before anything else is done. */
export const MAX_SHEET_LENGTH = 64 * 1024;

/** Line breaks as PDF viewers and mail clients produce them, the Unicode ones included. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/** A label never runs longer than this (with a note in parentheses); later splits are not tried. */
const MAX_LABEL_CHARS = 48;

/** A colon or equals sign between a label and its value (half- or full-width). */
const EXPLICIT_SEPARATOR = /[:：=＝]/;
const SEPARATOR_CHAR = /[\s:：=＝]/;
/** Text before a colon that belongs to a value: a host (`pbx.example.jp:5061`), a URI scheme
 *  (`wss://…`, `sip:…`), `user@host`, digits. */
const VALUE_BEFORE_COLON = /[.@/0-9]|^(?:wss?|sips?|https?)$/i;
/** What separates a label from its value: spaces around at most one colon or equals sign, so a
 *  password that itself starts with ':' keeps it (`パスワード::abc` → `:abc`). */
const SEPARATOR_RUN = /^\s*[:：=＝]?\s*/;
const TRAILING_SEPARATOR = /\s*[:：=＝]\s*$/;

/** Bullets and list numbering in front of a label: ・■●※ and friends, `-`/`*` of plain-text
 *  mails, `1.` `(1)` `①`. Only ever removed from the label side of a line. */
const BULLET = /^(?:[・･■□●○◆◇◎◉▪▫•‣※★☆►▶▷▸➢→〇*＊\-－>＞]+|\d{1,2}[.)．）、]|[（(]\d{1,2}[)）]|[\u2460-\u2473])\s*/u;

/** Label brackets: 【端末ID】, ［パスワード］, [User ID], 〔…〕, 〈…〉, 《…》, 「…」, 『…』. */
const BRACKETS: ReadonlyMap<string, string> = new Map([
  ['【', '】'],
  ['［', '］'],
  ['[', ']'],
  ['〔', '〕'],
  ['〈', '〉'],
  ['《', '》'],
  ['「', '」'],
  ['『', '』'],
]);

type LineItem =
  | { kind: 'value'; field: ProvisioningField; value: string }
  /** A label alone on its line: PDF copies often put the value on the next one. */
  | { kind: 'bare'; field: ProvisioningField }
  /** A row of labels from a table copied across: the next line holds the values, by column. */
  | { kind: 'header'; fields: Array<ProvisioningField | null> }
  | { kind: 'ignored'; label: string };

/** Trims spaces but not tabs: a leading tab is an empty first cell of a copied table. A loop,
 *  not a regex: `/[^\S\t]+$/` rescans a long inner run of spaces from each of its characters. */
function trimKeepingTabs(line: string): string {
  const isSpace = (char: string) => char !== '\t' && /\s/.test(char);
  let start = 0;
  let end = line.length;
  while (start < end && isSpace(line.charAt(start))) start++;
  while (end > start && isSpace(line.charAt(end - 1))) end--;
  return line.slice(start, end);
}

function stripBullet(text: string): string {
  return text.replace(BULLET, '');
}

/** The field of a cell or line that is only a label (a trailing colon allowed), else null. */
function bareLabel(text: string): ProvisioningField | null {
  // Checked first: no label is this long, and TRAILING_SEPARATOR is not cheap on long lines.
  if (text.length > MAX_LABEL_CHARS * 2) return null;
  const label = stripBullet(text.trim()).replace(TRAILING_SEPARATOR, '');
  const field = fieldForLabel(label);
  if (field === null) return null;
  // `端末ID _`, `パスワード (abc)`: what follows a space may consist only of characters labelKey
  // ignores, yet it is a value, not part of the label — taking the line for a lone label would
  // make the next line the password.
  return shortestEquivalentLabel(label, label.length) === label.length ? field : null;
}

/** Where a `label value` split may be: the start of a whitespace run. */
function isSpaceRunStart(text: string, at: number): boolean {
  return /\s/.test(text.charAt(at)) && !SEPARATOR_CHAR.test(text.charAt(at - 1));
}

/**
 * The shortest split with the same label as `text.slice(0, end)`. labelKey ignores spaces and
 * punctuation, so in `パスワード . a` both `パスワード` and `パスワード .` name the password; the
 * `.` is the value's. Likewise a line that is only `端末ID _` is a label with a value, not a
 * lone label (which would make the next line its value).
 */
function shortestEquivalentLabel(text: string, end: number): number {
  const key = labelKey(text.slice(0, end));
  let shortest = end;
  for (let at = end - 1; at > 0; at--) if (isSpaceRunStart(text, at) && labelKey(text.slice(0, at)) === key) shortest = at;
  return shortest;
}

function valueOrBare(field: ProvisioningField, rest: string): LineItem {
  const value = rest.replace(SEPARATOR_RUN, '');
  return value.trim() === '' ? { kind: 'bare', field } : { kind: 'value', field, value };
}

/** One `label value` text (a whole line, or one cell of a table row). */
function parseLabelled(text: string): LineItem | null {
  const line = stripBullet(text.trim());
  if (line === '') return null;

  const close = BRACKETS.get(line.charAt(0));
  if (close !== undefined) {
    const end = line.indexOf(close, 1);
    if (end > 0 && end <= MAX_LABEL_CHARS + 2) {
      const label = line.slice(1, end);
      const rest = line.slice(end + 1);
      const field = fieldForLabel(label);
      if (field !== null) return valueOrBare(field, rest);
      return rest.replace(SEPARATOR_RUN, '').trim() === '' ? null : { kind: 'ignored', label };
    }
  }

  const bare = bareLabel(line);
  if (bare !== null) return { kind: 'bare', field: bare };

  // `label：value`, `label: value`, `label=value`: the label is what comes before the first one.
  const colon = line.search(EXPLICIT_SEPARATOR);
  const beforeColon = colon > 0 ? line.slice(0, colon) : '';
  const labelled = colon > 0 ? fieldForLabel(beforeColon.trim()) : null;
  if (labelled !== null) return valueOrBare(labelled, line.slice(colon));

  // `label value`. The longest label that matches wins, so `User ID 1001` is not read as `User` =
  // `ID 1001`; a split is only tried where a whitespace run starts.
  for (let end = Math.min(line.length - 1, MAX_LABEL_CHARS); end > 0; end--) {
    if (!isSpaceRunStart(line, end)) continue;
    const field = fieldForLabel(line.slice(0, end));
    if (field === null) continue;
    const value = line.slice(shortestEquivalentLabel(line, end)).trimStart();
    // `Account manager: Jane Doe` is not the account `manager: Jane Doe`: when a colon follows
    // words rather than a host, a URI scheme or digits, it ends a longer (unknown) label. A
    // password may hold anything, so its value is never second-guessed.
    const valueColon = value.search(EXPLICIT_SEPARATOR);
    if (field === 'password' || valueColon < 0 || VALUE_BEFORE_COLON.test(value.slice(0, valueColon).normalize('NFKC'))) return valueOrBare(field, value);
    break;
  }

  // Something else of the `label：value` shape is reported as ignored (a URL is not a label).
  if (colon > 0 && colon <= MAX_LABEL_CHARS && !line.startsWith('//', colon + 1)) {
    const label = beforeColon.trim();
    if (label !== '' && !/[/@]/.test(label) && line.slice(colon + 1).trim() !== '') return { kind: 'ignored', label };
  }
  return null;
}

function parseLine(line: string): LineItem[] {
  if (!line.includes('\t')) {
    const item = parseLabelled(line);
    return item === null ? [] : [item];
  }
  const columns = line.split('\t').map((cell) => cell.trim());
  const cells = columns.filter((cell) => cell !== '');
  if (cells.length < 2) {
    const item = parseLabelled(cells[0] ?? '');
    return item === null ? [] : [item];
  }

  // Three labels or more: with two, `端末ID ⇥ name` (a user called "name") would read as a header.
  const headerFields = columns.map((cell) => (cell === '' ? null : bareLabel(cell)));
  if (cells.length >= 3 && columns.every((cell, i) => cell === '' || headerFields[i] !== null)) return [{ kind: 'header', fields: headerFields }];

  // label ⇥ value [⇥ label ⇥ value …]: a two- or four-column table.
  const items: LineItem[] = [];
  for (let i = 0; i < cells.length; ) {
    const cell = cells[i] ?? '';
    const next = cells[i + 1];
    const field = bareLabel(cell);
    if (field !== null) {
      items.push(next === undefined ? { kind: 'bare', field } : { kind: 'value', field, value: next });
      i += 2;
      continue;
    }
    const item = parseLabelled(cell);
    if (item !== null) {
      items.push(item);
      i += 1;
    } else if (next !== undefined) {
      items.push({ kind: 'ignored', label: cell });
      i += 2;
    } else {
      i += 1;
    }
  }
  return items;
}

/**
 * Reads a pasted provisioning sheet into a draft account. Never throws: whatever the text, the
 * answer is a draft or a refusal.
 */
export function parseProvisioningSheet(text: string): ProvisioningResult {
  // The type is a promise, not a guarantee, for values that crossed a bridge.
  if (typeof text !== 'string') return { ok: false, reason: 'malformed' };
  if (text.length > MAX_SHEET_LENGTH) return { ok: false, reason: 'too-large' };
  if (text.trim() === '') return { ok: false, reason: 'empty' };

  const values = new FieldValues();
  const ignored = new IgnoredLabels();
  let pending: ProvisioningField | null = null;
  let header: Array<ProvisioningField | null> | null = null;

  for (const rawLine of text.split(LINE_BREAK)) {
    const line = trimKeepingTabs(rawLine);
    if (line.trim() === '') continue;

    if (header !== null) {
      const cells = line.split('\t');
      for (const [i, field] of header.entries()) if (field !== null) values.add(field, cells[i] ?? '');
      header = null;
      continue;
    }

    const items = parseLine(line);
    if (pending !== null) {
      const field = pending;
      pending = null;
      // The line after a lone label is its value unless it is itself labelled. Taken as it
      // stands (bullets included): it may be a password that starts with `*` or `-`.
      if (!items.some((item) => item.kind !== 'ignored')) {
        values.add(field, line);
        continue;
      }
    }

    for (const [i, item] of items.entries()) {
      if (item.kind === 'value') values.add(item.field, item.value);
      else if (item.kind === 'bare') pending = i === items.length - 1 ? item.field : null;
      else if (item.kind === 'header') header = item.fields;
      else ignored.add(item.label);
    }
  }

  return buildDraft(values, ignored.list());
}
