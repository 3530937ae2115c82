// vCard 3.0 (RFC 2426) / 4.0 (RFC 6350) content lines, read without a library.
//
// ical.js was tried first and is used by the tests as an independent check of our output, but
// as the importer's reader it falls short on real address books: one "TEL;CELL:…" (bare TYPE
// shorthand, still written by 3.0 exporters) makes it throw for the whole input, it does not
// unescape X- properties at all (X-PHONETIC-*, X-ABLabel) and leaves `\;` in FN and NOTE, and
// it has no notion of "which card, which line". This reader is small: unfold, split into cards with their line
// numbers, split each content line into group / name / parameters / raw value. Value
// unescaping is the caller's, because it depends on the property (text, compound, URI, binary).

export interface LogicalLine {
  /** 1-based physical line where the (unfolded) content line starts. */
  line: number;
  text: string;
}

export type Block =
  | { kind: 'card'; line: number; lines: LogicalLine[]; complete: boolean }
  /** Non-blank text outside BEGIN:VCARD … END:VCARD. */
  | { kind: 'stray'; line: number; text: string };

export interface Property {
  line: number;
  group: string | null;
  /** Upper-cased. */
  name: string;
  /** Parameter names upper-cased; values as written, split on unquoted commas, RFC 6868
   *  caret escapes decoded. Bare parameters ("TEL;CELL:") are collected under TYPE. */
  params: Map<string, string[]>;
  value: string;
}

const BEGIN = /^BEGIN:VCARD\s*$/i;
const END = /^END:VCARD\s*$/i;

export function splitCards(text: string): Block[] {
  const blocks: Block[] = [];
  let card: { line: number; lines: LogicalLine[] } | null = null;
  let stray: { line: number; text: string } | null = null;

  const physical = text.split(/\r\n|\n|\r/);
  const logical: LogicalLine[] = [];
  physical.forEach((raw, index) => {
    const last = logical[logical.length - 1];
    // Folding: a line starting with one space or tab continues the previous content line.
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && last) last.text += raw.slice(1);
    else if (raw.trim() !== '') logical.push({ line: index + 1, text: raw });
  });

  for (const entry of logical) {
    if (card === null) {
      if (BEGIN.test(entry.text)) {
        if (stray) blocks.push({ kind: 'stray', ...stray });
        stray = null;
        card = { line: entry.line, lines: [] };
      } else {
        stray ??= { line: entry.line, text: entry.text };
      }
      continue;
    }
    if (END.test(entry.text)) {
      blocks.push({ kind: 'card', line: card.line, lines: card.lines, complete: true });
      card = null;
    } else if (BEGIN.test(entry.text)) {
      // The previous card never ended; this one starts afresh.
      blocks.push({ kind: 'card', line: card.line, lines: card.lines, complete: false });
      card = { line: entry.line, lines: [] };
    } else {
      card.lines.push(entry);
    }
  }
  if (card) blocks.push({ kind: 'card', line: card.line, lines: card.lines, complete: false });
  if (stray) blocks.push({ kind: 'stray', ...stray });
  return blocks;
}

const NAME = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$/;

/** Splits one content line; null if it is not `[group.]name *(;param) : value`. */
export function parseProperty(entry: LogicalLine): Property | null {
  const text = entry.text;
  let i = 0;
  while (i < text.length && text[i] !== ';' && text[i] !== ':') i++;
  const nameMatch = NAME.exec(text.slice(0, i));
  if (!nameMatch || i >= text.length) return null;
  const params = new Map<string, string[]>();

  while (text[i] === ';') {
    i++;
    let keyEnd = i;
    while (keyEnd < text.length && !'=;:'.includes(text[keyEnd] ?? '')) keyEnd++;
    const key = text.slice(i, keyEnd).trim().toUpperCase();
    i = keyEnd;
    const values: string[] = [];
    if (text[i] === '=') {
      i++;
      for (;;) {
        let value: string;
        if (text[i] === '"') {
          const close = text.indexOf('"', i + 1);
          if (close === -1) return null;
          value = text.slice(i + 1, close);
          i = close + 1;
        } else {
          let end = i;
          while (end < text.length && !',;:'.includes(text[end] ?? '')) end++;
          value = text.slice(i, end);
          i = end;
        }
        values.push(decodeCaret(value));
        if (text[i] === ',') {
          i++;
          continue;
        }
        break;
      }
      if (key === '' || !/^[A-Z0-9-]+$/.test(key)) return null;
      append(params, key, values);
    } else {
      // vCard 2.1-style shorthand that 3.0 writers still emit: TEL;WORK;VOICE:…
      if (key === '' || !/^[A-Z0-9-]+$/.test(key)) return null;
      append(params, 'TYPE', [key]);
    }
  }
  if (text[i] !== ':') return null;
  return {
    line: entry.line,
    group: nameMatch[1] ?? null,
    name: (nameMatch[2] ?? '').toUpperCase(),
    params,
    value: text.slice(i + 1),
  };
}

function append(params: Map<string, string[]>, key: string, values: string[]): void {
  const existing = params.get(key);
  if (existing) existing.push(...values);
  else params.set(key, values);
}

/** RFC 6868: ^n newline, ^' double quote, ^^ caret, in parameter values. */
function decodeCaret(value: string): string {
  return value.includes('^') ? value.replace(/\^([n'^])/g, (_, c: string) => (c === 'n' ? '\n' : c === "'" ? '"' : '^')) : value;
}

/** Text value escapes: \n (or \N) newline, \\ \, \; literal. An unknown escape keeps its
 *  character; a lone trailing backslash stays. */
export function unescapeText(value: string): string {
  return value.includes('\\') ? value.replace(/\\([\s\S])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c)) : value;
}

/** A compound value (N, ORG) split on unescaped semicolons, each component unescaped. */
export function splitCompound(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === ';') {
      parts.push(unescapeText(value.slice(start, i)));
      start = i + 1;
    }
  }
  parts.push(unescapeText(value.slice(start)));
  return parts;
}
