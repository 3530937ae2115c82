// Phonebook import/export: CSV (Excel, Japanese or English headers, UTF-8 or Shift_JIS) and
// vCard 3.0/4.0. Import is a pure preview: bytes in, validated contacts and per-row rejections
// out. Writing them to the database (all or nothing) is the contacts service's job.
import type { ContactInput } from '../../../src-preload/contract';
import { exportCsv as exportCsvBytes, importCsv } from './csv';
import { decodeImportBytes } from './encoding';
import { MAX_IMPORT_BYTES, type ImportFormat, type ImportPreview } from './types';
import { exportVcard as exportVcardBytes, importVcard } from './vcard';

export type { ImportFormat, ImportPreview, RejectReason, RejectedRow } from './types';
export { LABEL, MAX_IMPORT_BYTES } from './types';
export { CSV_EXPORT_HEADER, ShiftJisUnencodableError, findShiftJisProblems, type ShiftJisProblem } from './csv';
export { MAX_PHOTO_BYTES } from './photo';

/** vCard if the text starts with BEGIN:VCARD, whatever the file is called (a vCard saved as
 *  .txt); otherwise by extension (.vcf/.vcard), otherwise CSV. */
function detectFormat(text: string, fileName: string): ImportFormat {
  return /^BEGIN:VCARD\s*$/i.test(text.slice(0, 4096).trimStart().split(/\r?\n|\r/, 1)[0] ?? '') ? 'vcard' : guessByName(fileName);
}

function guessByName(fileName: string): ImportFormat {
  return /\.(vcf|vcard)$/i.test(fileName.trim()) ? 'vcard' : 'csv';
}

/** Reads a phonebook file. Never throws: every problem is a rejection in the preview. */
export function previewImport(bytes: Uint8Array, fileName: string): ImportPreview {
  const empty = (format: ImportFormat, encoding: ImportPreview['encoding']): ImportPreview => ({
    format,
    encoding,
    contacts: [],
    rejected: [],
    totalRows: 0,
    ignoredColumns: [],
  });
  const byName = guessByName(fileName);
  if (bytes.byteLength > MAX_IMPORT_BYTES) {
    return { ...empty(byName, 'utf-8'), rejected: [{ line: 0, reason: 'file-too-large', detail: `${bytes.byteLength} bytes` }] };
  }
  try {
    const decoded = decodeImportBytes(bytes);
    if (!decoded.ok) {
      return { ...empty(byName, decoded.encoding), rejected: [{ line: 0, reason: 'bad-encoding', detail: decoded.detail }] };
    }
    const format = detectFormat(decoded.text, fileName);
    if (format === 'vcard') return { ...empty(format, decoded.encoding), ...importVcard(decoded.text) };
    return { ...empty(format, decoded.encoding), ...importCsv(decoded.text) };
  } catch (error) {
    // Not expected (the property tests feed random bytes); a bug must still not take the
    // import dialog down with an unhandled exception in main.
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...empty(byName, 'utf-8'), rejected: [{ line: 0, reason: 'unreadable', detail: detail.slice(0, 200) }] };
  }
}

/**
 * Our CSV: header 氏名,フリガナ,会社名,部署,電話番号1,種別1,…,電話番号10,種別10,メール,メモ,お気に入り,
 * CRLF, UTF-8 with BOM (so Excel detects it) or Shift_JIS (CP932). Photos are not exported.
 * Throws ShiftJisUnencodableError for 'shift_jis' if a cell has a character CP932 lacks
 * (check first with findShiftJisProblems).
 */
export function exportCsv(contacts: readonly ContactInput[], encoding: 'utf-8' | 'shift_jis'): Uint8Array {
  return exportCsvBytes(contacts, encoding);
}

/** vCard 3.0 or 4.0, UTF-8 without BOM, CRLF, folded at 75 octets, one card per contact. */
export function exportVcard(contacts: readonly ContactInput[], version: '3.0' | '4.0'): Uint8Array {
  return exportVcardBytes(contacts, version);
}
