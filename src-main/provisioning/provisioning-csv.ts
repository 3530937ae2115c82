// A user list as PBX admin portals export it (a header row, then one row per extension), which
// an administrator hands around by mail or a shared drive: a file anyone could have edited, so
// it is read under caps, its headers are matched against the same fixed vocabulary as the sheet,
// and every row is judged on its own — one bad row never spoils the others, and a row is never
// repaired. The caller has already decoded the bytes (UTF-8 or Shift_JIS) into text.
//
// Pure and synchronous: no state, no I/O.

import { readCsvRecords, type CsvRecord } from '../contacts/import-export/csv-reader';
import { buildDraft, FieldValues } from './build-draft';
import { fieldForLabel, IgnoredLabels, MAX_IGNORED_LABELS } from './labels';
import { type ProvisioningCsvResult, type ProvisioningCsvRow, type ProvisioningField } from './types';

/** Caps, checked before (size) and while (rows) reading; beyond them the file is refused as a
 *  whole, not cut short — a silently truncated list would hide the user's own row. The size is
 *  in UTF-16 code units, known without a scan. */
export const MAX_CSV_LENGTH = 1024 * 1024;
export const MAX_CSV_ROWS = 5000;
/** No real cell comes near this; a longer one is refused for its row without being copied. */
const MAX_CELL_CHARS = 4096;
/** Some portals put a title line or two above the header (「内線一覧」, an export date). */
const MAX_LINES_BEFORE_HEADER = 10;

/** Comma, unless the first line with a separator has tabs and no commas (Excel's "Unicode text"). */
function sniffDelimiter(text: string): ',' | '\t' {
  for (const line of text.split(/\r\n|\n|\r/, MAX_LINES_BEFORE_HEADER + 1)) {
    if (line.includes(',')) return ',';
    if (line.includes('\t')) return '\t';
  }
  return ',';
}

function isBlank(record: CsvRecord): boolean {
  return record.oversized === null && record.cells.every((cell) => cell.trim() === '');
}

function readRow(record: CsvRecord, columns: ReadonlyArray<ProvisioningField | null>, ignoredColumns: readonly string[], row: number): ProvisioningCsvRow {
  const where = { row, line: record.line };
  // A quote left open ran to the end of the file: this row's cells are not what the author meant.
  if (record.unterminated) return { ok: false, reason: 'malformed', ...where };
  const values = new FieldValues();
  for (const [i, field] of columns.entries()) {
    if (field === null) continue;
    if (record.oversized?.includes(i)) return { ok: false, reason: 'invalid-field', field, issue: 'validation.tooLong', ...where };
    values.add(field, record.cells[i] ?? '');
  }
  return { ...buildDraft(values, ignoredColumns), ...where };
}

/**
 * Reads a provisioning CSV into one result per data row. Refused as a whole only when it is not
 * such a file at all: too large, empty, or without a recognisable header naming the user column.
 */
export function parseProvisioningCsv(text: string): ProvisioningCsvResult {
  if (typeof text !== 'string') return { ok: false, reason: 'malformed' };
  if (text.length > MAX_CSV_LENGTH) return { ok: false, reason: 'too-large' };
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return { ok: false, reason: 'empty' };

  let columns: Array<ProvisioningField | null> | null = null;
  let ignoredColumns: string[] = [];
  let recordsBeforeHeader = 0;
  const rows: ProvisioningCsvRow[] = [];

  for (const record of readCsvRecords(body, sniffDelimiter(body), MAX_CELL_CHARS)) {
    if (isBlank(record)) continue;
    if (columns === null) {
      const mapped = record.cells.map((cell, i) => (record.oversized?.includes(i) ? null : fieldForLabel(cell.trim())));
      if (!mapped.includes('user')) {
        recordsBeforeHeader++;
        if (recordsBeforeHeader >= MAX_LINES_BEFORE_HEADER) return { ok: false, reason: 'no-account' };
        continue;
      }
      if (record.unterminated) return { ok: false, reason: 'malformed' };
      columns = mapped;
      const ignored = new IgnoredLabels();
      for (const [i, cell] of record.cells.entries()) if (mapped[i] === null) ignored.add(cell);
      ignoredColumns = ignored.list();
      continue;
    }
    if (rows.length >= MAX_CSV_ROWS) return { ok: false, reason: 'too-large' };
    rows.push(readRow(record, columns, ignoredColumns, rows.length + 1));
  }

  if (columns === null || rows.length === 0) return { ok: false, reason: 'no-account' };
  // Header text is not secret, but no row's password is echoed anywhere, even by coincidence.
  const passwords = rows.flatMap((row) => (row.ok && row.draft.password !== null ? [row.draft.password] : []));
  const shown = ignoredColumns.filter((label) => !passwords.some((password) => label.includes(password)));
  return { ok: true, rows, ignoredColumns: shown.slice(0, MAX_IGNORED_LABELS) };
}
