import type { ContactInput } from '../../../src-preload/contract';

export type ImportFormat = 'csv' | 'vcard';

/**
 * Why one row (CSV record, vCard card) was not imported. `reason` is a short stable key the
 * renderer translates (`phonebook.import.reason.<key>`); `detail` is for the curious user and
 * may quote a (truncated) cell. `line` is 1-based and points at the first physical line of the
 * record or card; 0 means the whole file (bad encoding, too large).
 */
export interface RejectedRow {
  line: number;
  reason: RejectReason;
  detail?: string;
}

export type RejectReason =
  /** File level (line 0). */
  | 'bad-encoding'
  | 'file-too-large'
  | 'unreadable'
  /** CSV header has neither 氏名/名前/name nor 姓/名: no row can have a name. */
  | 'missing-name-column'
  /** A quoted CSV field opened here and never closed: the rest of the file is one field. */
  | 'unterminated-quote'
  | 'malformed-card'
  | 'unsupported-version'
  | 'missing-name'
  | 'invalid-number'
  | 'too-many-numbers'
  | 'field-too-long'
  | 'invalid-email'
  | 'invalid-favourite'
  | 'control-characters'
  | 'invalid-field';

export interface ImportPreview {
  format: ImportFormat;
  /** What the file was decoded as. A file rejected as 'bad-encoding' reports 'shift_jis',
   *  the last decoding tried. Pure ASCII reports 'utf-8'. */
  encoding: 'utf-8' | 'shift_jis';
  /** Each one has passed `ContactInput.safeParse` (and is its output, so trimmed). */
  contacts: ContactInput[];
  rejected: RejectedRow[];
  /** Data rows seen: non-blank CSV records after the header, or vCards (plus stray blocks of
   *  non-vCard text, each counted and rejected as one). */
  totalRows: number;
  /** CSV header cells that map to no field, as written in the file. Always [] for vCard. */
  ignoredColumns: string[];
}

/** Larger files are refused before decoding ('file-too-large'): the decoded text is held in
 *  the main process twice over (bytes + UTF-16 string). 100,000 full CSV rows are ~15 MB; the
 *  headroom is for vCards with photos. Exported so the caller can check the size before reading. */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;

/** Labels this module produces for numbers whose kind is known. Matches the contract's
 *  vocabulary (会社 / 携帯 / 内線 / 自宅 / FAX); '電話' is a number of unstated kind (a plain
 *  「電話番号」 column, a vCard TEL without TYPE or with only VOICE). */
export const LABEL = {
  phone: '電話',
  mobile: '携帯',
  extension: '内線',
  work: '会社',
  home: '自宅',
  fax: 'FAX',
} as const;
