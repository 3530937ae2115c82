// CSV import (header mapping, Japanese and English) and export (our header, Excel-safe).
import type { ContactInput, ContactNumber } from '../../../src-preload/contract';
import { encodeShiftJis, encodeUtf8WithBom, firstUnencodableInShiftJis, type TextEncodingName } from './encoding';
import { readCsvRecords, sniffDelimiter } from './csv-reader';
import { LABEL, type RejectedRow } from './types';
import { shorten, validateContact } from './validate';

// ---------------------------------------------------------------------------------------------
// Formula injection (OWASP "CSV injection").
//
// A spreadsheet treats a cell starting with = + - @ (and, in some, tab or CR) as a formula, so a
// contact named `=cmd|' /C calc'!A0` would run something when the export is opened in Excel.
// On export such a text cell gets a leading apostrophe. To keep export → import lossless the
// rule is a bijection: a cell matching /^'*[trigger]/ gains one apostrophe, and on import a cell
// matching /^'+[trigger]/ loses one. So `'=x` (a name that really starts with an apostrophe)
// is written `''=x` and read back as `'=x`. The cost: a foreign file whose cell really is `'=x`
// imports as `=x`.
//
// Phone numbers are the legitimate case (+81 3…, and Excel also eats the leading 0 of
// 0312345678, turning it into the number 312345678). Numbers have their own columns
// (電話番号N) and *every* non-empty number cell is written with a leading apostrophe: it
// neutralises `+`/`-`, and it keeps Excel from converting the cell to a number if the file is
// opened and saved again. The importer strips one leading apostrophe from number cells
// unconditionally, which is unambiguous: the contract's number syntax has no apostrophe.

const FORMULA_ESCAPED = /^'*[=+\-@\t\r]/;
const FORMULA_UNESCAPE = /^'+[=+\-@\t\r]/;

export function escapeTextCell(value: string): string {
  return FORMULA_ESCAPED.test(value) ? `'${value}` : value;
}

export function unescapeTextCell(value: string): string {
  return FORMULA_UNESCAPE.test(value) ? value.slice(1) : value;
}

export function escapeNumberCell(value: string): string {
  return value === '' ? '' : `'${value}`;
}

export function unescapeNumberCell(value: string): string {
  return value.startsWith("'") ? value.slice(1) : value;
}

// ---------------------------------------------------------------------------------------------
// Header mapping.

type TextField = 'name' | 'family' | 'given' | 'kana' | 'kanaFamily' | 'kanaGiven' | 'company' | 'department' | 'email' | 'notes' | 'favourite';

type Role =
  | { kind: 'text'; field: TextField }
  | { kind: 'number'; label: string; rank: number }
  | { kind: 'pair-number'; index: number }
  | { kind: 'pair-label'; index: number };

/** Header cells compare after NFKC (full-width → half-width), lower-casing, and dropping
 *  spaces and punctuation people put in headers: 「Ｅ－ｍａｉｌ」, 'E-mail', 'e mail' are one. */
export function normalizeHeader(cell: string): string {
  return cell
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\-_・.:()[\]「」【】]/g, '');
}

const TEXT_ALIASES: ReadonlyArray<readonly [TextField, readonly string[]]> = [
  ['name', ['氏名', '名前', 'お名前', '表示名', 'name', 'full name', 'display name']],
  ['family', ['姓', 'last name', 'family name', 'surname']],
  ['given', ['名', 'first name', 'given name']],
  ['kana', ['フリガナ', 'ふりがな', 'よみ', '読み', 'よみがな', '読みがな', 'kana', 'reading', 'yomi', 'furigana', 'yomi name']],
  ['kanaFamily', ['セイ', 'せい', '姓(フリガナ)', '姓(ふりがな)', 'フリガナ(姓)', 'ふりがな(姓)', 'phonetic last name', 'family name yomi']],
  ['kanaGiven', ['メイ', 'めい', '名(フリガナ)', '名(ふりがな)', 'フリガナ(名)', 'ふりがな(名)', 'phonetic first name', 'given name yomi']],
  // Google Contacts' export spells some as 'Organization 1 - Name', 'E-mail 1 - Value'.
  ['company', ['会社名', '会社', '勤務先', 'company', 'company name', 'organization', 'organisation', 'organization name', 'organization 1 - name']],
  ['department', ['部署', '部署名', '部門', 'department', 'organization department', 'organization 1 - department']],
  ['email', ['メール', 'メールアドレス', 'Eメール', '電子メール', '電子メール アドレス', 'e-mail', 'email', 'e-mail address', 'mail', 'e-mail 1 - value']],
  ['notes', ['メモ', '備考', 'コメント', 'notes', 'note', 'memo']],
  ['favourite', ['お気に入り', 'favourite', 'favorite', 'favourites', 'favorites']],
];

/** Single-number columns, in the order their numbers are listed (after numbered pairs). */
const NUMBER_ALIASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  [LABEL.phone, ['電話番号', '電話', 'TEL', 'phone', 'telephone', 'phone number']],
  [LABEL.mobile, ['携帯', '携帯電話', '携帯番号', '携帯電話番号', 'mobile', 'mobile phone', 'cell', 'cell phone']],
  [LABEL.extension, ['内線', '内線番号', 'extension', 'ext']],
  [LABEL.work, ['会社電話', '会社電話番号', '勤務先電話', '勤務先電話番号', 'work', 'work phone', 'business phone']],
  [LABEL.home, ['自宅', '自宅電話', '自宅電話番号', 'home', 'home phone']],
  [LABEL.fax, ['FAX', 'FAX番号', 'ファックス', 'ファクス', '勤務先FAX', '勤務先ファックス', '自宅FAX', '自宅ファックス']],
];

const ROLE_BY_HEADER: ReadonlyMap<string, Role> = (() => {
  const map = new Map<string, Role>();
  for (const [field, aliases] of TEXT_ALIASES) for (const alias of aliases) map.set(normalizeHeader(alias), { kind: 'text', field });
  NUMBER_ALIASES.forEach(([label, aliases], rank) => {
    for (const alias of aliases) map.set(normalizeHeader(alias), { kind: 'number', label, rank });
  });
  return map;
})();

/** Our export's 電話番号1/種別1 … pairs, and Google's 'Phone 1 - Value'/'Phone 1 - Type'. */
const PAIR_NUMBER = [/^(?:電話番号|電話|tel|phone)(\d{1,2})$/, /^phone(\d{1,2})value$/];
const PAIR_LABEL = [/^(?:種別|ラベル|label|type)(\d{1,2})$/, /^phone(\d{1,2})(?:type|label)$/];

function pairIndex(patterns: readonly RegExp[], key: string): number | null {
  for (const pattern of patterns) {
    const digits = pattern.exec(key)?.[1];
    if (digits !== undefined) return Number(digits);
  }
  return null;
}

function roleOf(cell: string): Role | null {
  const key = normalizeHeader(cell);
  const known = ROLE_BY_HEADER.get(key);
  if (known) return known;
  const number = pairIndex(PAIR_NUMBER, key);
  if (number !== null) return { kind: 'pair-number', index: number };
  const label = pairIndex(PAIR_LABEL, key);
  if (label !== null) return { kind: 'pair-label', index: label };
  return null;
}

interface NumberSource {
  numberColumn: number;
  /** Column holding the label, or -1 for a fixed label. */
  labelColumn: number;
  label: string;
}

interface ColumnMap {
  text: Partial<Record<TextField, number>>;
  numbers: NumberSource[];
  /** Columns whose cells become part of a contact (for the size check). */
  used: Set<number>;
  ignored: string[];
}

function mapHeader(header: readonly string[]): ColumnMap {
  const text: Partial<Record<TextField, number>> = {};
  const pairs = new Map<number, { number?: number; label?: number }>();
  const fixed: { column: number; label: string; rank: number }[] = [];
  const ignored: string[] = [];
  header.forEach((cell, column) => {
    const role = roleOf(cell);
    if (role?.kind === 'text' && text[role.field] === undefined) text[role.field] = column;
    else if (role?.kind === 'number') fixed.push({ column, label: role.label, rank: role.rank });
    else if (role?.kind === 'pair-number' && pairs.get(role.index)?.number === undefined) pairs.set(role.index, { ...pairs.get(role.index), number: column });
    else if (role?.kind === 'pair-label' && pairs.get(role.index)?.label === undefined) pairs.set(role.index, { ...pairs.get(role.index), label: column });
    // Unknown, or a second column for a single-valued field: which one is right is a guess.
    else if (cell.trim() !== '') ignored.push(cell);
  });

  const numbers: NumberSource[] = [];
  for (const [, pair] of [...pairs].sort(([a], [b]) => a - b)) {
    if (pair.number === undefined) {
      if (pair.label !== undefined) ignored.push(header[pair.label] ?? '');
      continue;
    }
    numbers.push({ numberColumn: pair.number, labelColumn: pair.label ?? -1, label: LABEL.phone });
  }
  fixed.sort((a, b) => a.rank - b.rank || a.column - b.column);
  for (const { column, label } of fixed) numbers.push({ numberColumn: column, labelColumn: -1, label });

  const used = new Set<number>(Object.values(text));
  for (const source of numbers) {
    used.add(source.numberColumn);
    if (source.labelColumn !== -1) used.add(source.labelColumn);
  }
  return { text, numbers, used, ignored };
}

// ---------------------------------------------------------------------------------------------
// Import.

/** Longest cell kept: the largest field (notes) is 2,000 characters, so anything beyond this
 *  is rejected anyway and is never materialised. */
const MAX_CELL_CHARS = 10_000;

const FAVOURITE_TRUE = new Set(['1', 'true', 'yes', 'y', 'on', 'はい', '○', '◯', '〇', '●', '★', '✓', '✔']);
const FAVOURITE_FALSE = new Set(['', '0', 'false', 'no', 'n', 'off', 'いいえ', '×', '✕', 'x', '-']);

function parseFavourite(cell: string): boolean | null {
  const value = cell.normalize('NFKC').trim().toLowerCase();
  if (FAVOURITE_TRUE.has(value)) return true;
  if (FAVOURITE_FALSE.has(value)) return false;
  return null;
}

function joinNameParts(first: string, second: string): string {
  const a = first.trim();
  const b = second.trim();
  return a && b ? `${a} ${b}` : a || b;
}

export interface CsvImportResult {
  contacts: ContactInput[];
  rejected: RejectedRow[];
  totalRows: number;
  ignoredColumns: string[];
}

export function importCsv(text: string): CsvImportResult {
  const contacts: ContactInput[] = [];
  const rejected: RejectedRow[] = [];
  let totalRows = 0;
  let header: { line: number; map: ColumnMap; cells: string[] } | null = null;
  let headerProblem: RejectedRow | null = null;

  for (const record of readCsvRecords(text, sniffDelimiter(text), MAX_CELL_CHARS)) {
    // Blank lines, and Excel's ",,,,," rows left by formatting an empty range.
    if (!record.unterminated && record.oversized === null && record.cells.every((cell) => cell.trim() === '')) continue;

    if (header === null && headerProblem === null) {
      if (record.unterminated) {
        headerProblem = { line: record.line, reason: 'unterminated-quote' };
        continue;
      }
      const map = mapHeader(record.cells);
      if (map.text.name === undefined && map.text.family === undefined && map.text.given === undefined) {
        headerProblem = { line: record.line, reason: 'missing-name-column', detail: shorten(record.cells.join(', '), 120) };
      } else {
        header = { line: record.line, map, cells: record.cells };
      }
      continue;
    }

    totalRows++;
    if (header === null) continue;
    if (record.unterminated) {
      rejected.push({ line: record.line, reason: 'unterminated-quote', detail: 'a quoted cell opened here is never closed' });
      continue;
    }
    const { map } = header;
    const tooLong = record.oversized?.find((column) => map.used.has(column));
    if (tooLong !== undefined) {
      rejected.push({ line: record.line, reason: 'field-too-long', detail: header.cells[tooLong] ?? '' });
      continue;
    }

    const cell = (column: number | undefined): string => (column === undefined ? '' : (record.cells[column] ?? ''));
    const textCell = (field: TextField): string => unescapeTextCell(cell(map.text[field]));

    const favourite = parseFavourite(textCell('favourite'));
    if (favourite === null) {
      rejected.push({ line: record.line, reason: 'invalid-favourite', detail: JSON.stringify(shorten(textCell('favourite'))) });
      continue;
    }

    const numbers: ContactNumber[] = [];
    for (const source of map.numbers) {
      const number = unescapeNumberCell(cell(source.numberColumn));
      if (number.trim() === '') continue;
      // With a label column (種別N) its cell is the label, even when empty: that is what was
      // exported. Without one, the column's own kind is.
      const label = source.labelColumn === -1 ? source.label : unescapeTextCell(cell(source.labelColumn));
      numbers.push({ label, number });
    }

    const result = validateContact({
      name: textCell('name').trim() || joinNameParts(textCell('family'), textCell('given')),
      kana: textCell('kana').trim() || joinNameParts(textCell('kanaFamily'), textCell('kanaGiven')),
      company: textCell('company'),
      department: textCell('department'),
      numbers,
      email: textCell('email').trim(),
      notes: textCell('notes'),
      favourite,
      photo: null,
    });
    if (result.ok) contacts.push(result.contact);
    else rejected.push({ line: record.line, reason: result.reason, detail: result.detail });
  }

  if (headerProblem) rejected.unshift(headerProblem);
  return { contacts, rejected, totalRows, ignoredColumns: header?.map.ignored ?? [] };
}

// ---------------------------------------------------------------------------------------------
// Export.

export const CSV_MAX_NUMBERS = 10;

/** Our header: always all ten number pairs, so a sheet exported with few numbers can be filled
 *  in and re-imported without adding columns. */
export const CSV_EXPORT_HEADER: readonly string[] = [
  '氏名',
  'フリガナ',
  '会社名',
  '部署',
  ...Array.from({ length: CSV_MAX_NUMBERS }, (_, i) => [`電話番号${i + 1}`, `種別${i + 1}`]).flat(),
  'メール',
  'メモ',
  'お気に入り',
];

function quote(cell: string): string {
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function exportRow(contact: ContactInput): string[] {
  const row = [contact.name, contact.kana, contact.company, contact.department].map(escapeTextCell);
  for (let i = 0; i < CSV_MAX_NUMBERS; i++) {
    const entry = contact.numbers[i];
    row.push(escapeNumberCell(entry?.number ?? ''), escapeTextCell(entry?.label ?? ''));
  }
  row.push(escapeTextCell(contact.email), escapeTextCell(contact.notes), contact.favourite ? '1' : '0');
  return row;
}

/** A cell of a Shift_JIS export that CP932 cannot hold (an emoji, 𠮷, a Hangul name…). */
export interface ShiftJisProblem {
  /** Index into the exported array. */
  contact: number;
  /** Column of our header, e.g. '氏名', 'メモ'. */
  column: string;
  character: string;
}

/** Thrown by `exportCsv(…, 'shift_jis')` rather than writing '?' in place of a character. The
 *  UI can offer UTF-8 instead; `findShiftJisProblems` answers the same question up front. */
export class ShiftJisUnencodableError extends Error {
  constructor(readonly problems: readonly ShiftJisProblem[]) {
    super(`${problems.length} cell(s) cannot be written in Shift_JIS`);
    this.name = 'ShiftJisUnencodableError';
  }
}

export function findShiftJisProblems(contacts: readonly ContactInput[], limit = 100): ShiftJisProblem[] {
  const problems: ShiftJisProblem[] = [];
  contacts.forEach((contact, index) => {
    exportRow(contact).forEach((cell, column) => {
      if (problems.length >= limit) return;
      const character = firstUnencodableInShiftJis(cell);
      if (character !== null) problems.push({ contact: index, column: CSV_EXPORT_HEADER[column] ?? '', character });
    });
  });
  return problems;
}

export function exportCsvText(contacts: readonly ContactInput[]): string {
  const lines = [CSV_EXPORT_HEADER.map(quote).join(',')];
  for (const contact of contacts) lines.push(exportRow(contact).map(quote).join(','));
  // CRLF throughout, the last line included: what Excel writes and expects.
  return `${lines.join('\r\n')}\r\n`;
}

export function exportCsv(contacts: readonly ContactInput[], encoding: TextEncodingName): Uint8Array {
  if (encoding === 'utf-8') return encodeUtf8WithBom(exportCsvText(contacts));
  const problems = findShiftJisProblems(contacts);
  if (problems.length > 0) throw new ShiftJisUnencodableError(problems);
  return encodeShiftJis(exportCsvText(contacts));
}
