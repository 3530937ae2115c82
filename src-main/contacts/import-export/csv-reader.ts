// A small RFC 4180 reader. csv-parse is not used here because the importer needs three things
// from the reader that csv-parse makes awkward: the *first* physical line of every record
// (a quoted note can span lines, and the user is told "line 37"), recovery instead of an
// exception on bad quoting (one broken record must not lose the others), and a per-cell size
// cap that never builds the oversized string (a 10 MB cell costs a scan, not a copy).
//
// Leniency follows Excel: a quote inside an unquoted cell is literal (`ab"c`), text after a
// closing quote is appended (`"ab"c` → `abc`). A quote left open runs to the end of the file,
// as it does in Excel; that record is flagged rather than guessed at.

export interface CsvRecord {
  /** 1-based physical line on which the record starts. */
  line: number;
  cells: string[];
  /** Indexes of cells longer than the cap; their text is dropped (the cell reads as ''). */
  oversized: number[] | null;
  /** The record ends inside a quoted cell (the file ended first). */
  unterminated: boolean;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

export function* readCsvRecords(text: string, delimiter: ',' | '\t', maxCellChars: number): Generator<CsvRecord> {
  const DELIM = delimiter.charCodeAt(0);
  const n = text.length;
  let pos = 0;
  let line = 1;

  /** Index of the next delimiter, CR or LF at or after `from` (n at the end). */
  const fieldEnd = (from: number): number => {
    let i = from;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === DELIM || c === CR || c === LF) break;
      i++;
    }
    return i;
  };

  /** Line breaks (CRLF, LF or lone CR) in [from, to). */
  const lineBreaks = (from: number, to: number): number => {
    let count = 0;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === LF) count++;
      else if (c === CR && text.charCodeAt(i + 1) !== LF) count++;
    }
    return count;
  };

  while (pos < n) {
    const startLine = line;
    const cells: string[] = [];
    let oversized: number[] | null = null;
    let unterminated = false;

    const push = (cell: string, length: number) => {
      if (length > maxCellChars) {
        (oversized ??= []).push(cells.length);
        cells.push('');
      } else {
        cells.push(cell);
      }
    };

    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        const open = pos;
        pos++;
        // Built from slices between doubled quotes; past the cap only the length is kept.
        let value = '';
        let length = 0;
        let segment = pos;
        for (;;) {
          const q = text.indexOf('"', pos);
          if (q === -1) {
            length += n - segment;
            if (length <= maxCellChars) value += text.slice(segment);
            pos = n;
            unterminated = true;
            break;
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            length += q + 1 - segment;
            if (length <= maxCellChars) value += text.slice(segment, q + 1);
            pos = q + 2;
            segment = pos;
            continue;
          }
          length += q - segment;
          if (length <= maxCellChars) value += text.slice(segment, q);
          pos = q + 1;
          break;
        }
        line += lineBreaks(open, pos);
        if (!unterminated) {
          const end = fieldEnd(pos);
          length += end - pos;
          if (length <= maxCellChars) value += text.slice(pos, end);
          pos = end;
        }
        push(value, length);
      } else {
        const end = fieldEnd(pos);
        push(text.slice(pos, end), end - pos);
        pos = end;
      }

      const c = text.charCodeAt(pos);
      if (c === DELIM) {
        pos++;
        continue;
      }
      if (c === CR) {
        pos++;
        if (text.charCodeAt(pos) === LF) pos++;
        line++;
      } else if (c === LF) {
        pos++;
        line++;
      }
      break;
    }
    yield { line: startLine, cells, oversized, unterminated };
  }
}

/** Comma, unless the first line has tabs and no commas (a tab-separated export saved as .csv). */
export function sniffDelimiter(text: string): ',' | '\t' {
  const firstBreak = text.search(/[\r\n]/);
  const first = firstBreak === -1 ? text : text.slice(0, firstBreak);
  return !first.includes(',') && first.includes('\t') ? '\t' : ',';
}
