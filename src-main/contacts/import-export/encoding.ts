// Text encodings of phonebook files. Japanese Excel reads and writes CSV in CP932 (Microsoft's
// Shift_JIS) unless told otherwise, and opens UTF-8 correctly only when it starts with a BOM;
// everything else (Google, Apple, Thunderbird, our own export) is UTF-8.
//
// Shift_JIS goes through iconv-lite, in both directions, rather than TextDecoder: Electron's
// main process runs on Chromium's ICU build, and which legacy converters that ships is not
// something the importer should depend on. iconv-lite's 'cp932' table is plain JS and includes
// the NEC and IBM extensions (①, ㈱, 髙, 﨑) that plain JIS X 0208 lacks.
import iconv from 'iconv-lite';

export type TextEncodingName = 'utf-8' | 'shift_jis';

export type DecodeResult =
  | { ok: true; text: string; encoding: TextEncodingName }
  | { ok: false; encoding: TextEncodingName; detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * UTF-8 with BOM → UTF-8; valid UTF-8 → UTF-8; otherwise CP932, accepted only if every byte
 * sequence is mapped. Anything else (UTF-16, binary, a truncated multi-byte sequence) fails.
 *
 * Trying UTF-8 first is safe because valid UTF-8 is a strong signal: Shift_JIS kanji put a
 * byte < 0x80 or a lead byte after their first byte, which UTF-8 never allows, so a Shift_JIS
 * file with any real Japanese text in it fails UTF-8 validation within a few characters.
 */
export function decodeImportBytes(bytes: Uint8Array): DecodeResult {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    const text = tryUtf8(bytes.subarray(3));
    if (text === null) return { ok: false, encoding: 'utf-8', detail: 'UTF-8 BOM, but the content is not valid UTF-8' };
    return checkText(text, 'utf-8');
  }
  // Excel's 「Unicode テキスト」 is UTF-16 with a BOM. Say so, rather than decode it as CP932
  // and fail on the BOM's 0xFF.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, encoding: 'utf-8', detail: 'UTF-16 is not supported: save the file as CSV (UTF-8) or CSV (Shift_JIS)' };
  }
  const text = tryUtf8(bytes);
  if (text !== null) return checkText(text, 'utf-8');

  const sjis = iconv.decode(bytesAsBuffer(bytes), 'cp932');
  // iconv-lite substitutes U+FFFD for an unmapped or truncated sequence (CP932 itself maps
  // nothing to U+FFFD, so this is exact), and passes a lone 0x80 through as U+0080, a C1
  // control no Japanese text contains.
  const bad = sjis.search(/[\uFFFD\u0080]/);
  if (bad !== -1) return { ok: false, encoding: 'shift_jis', detail: 'neither UTF-8 nor Shift_JIS' };
  return checkText(sjis, 'shift_jis');
}

function tryUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** UTF-16 without a BOM and binaries are full of NULs; text is not. A stray NUL in a note
 *  (which the contract allows, and our export writes as is) must not sink the whole file, so
 *  only a file that is more than 1/8 NUL is refused. */
function checkText(text: string, encoding: TextEncodingName): DecodeResult {
  let nuls = 0;
  for (let i = text.indexOf('\u0000'); i !== -1; i = text.indexOf('\u0000', i + 1)) nuls++;
  if (nuls * 8 > text.length) return { ok: false, encoding, detail: 'mostly NUL characters (binary file or UTF-16)' };
  return { ok: true, text, encoding };
}

function bytesAsBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---------------------------------------------------------------------------------------------
// Encoding to CP932.

/**
 * Characters that JIS X 0208 (and so macOS, and most Unicode text typed on a Mac) maps to one
 * code point and CP932 to another, for the same glyph: 〜 WAVE DASH vs ～ FULLWIDTH TILDE and
 * friends. iconv-lite's CP932 table knows only the Microsoft side, so without this a Mac user's
 * 「10時〜12時」 would fail to export. They are written as the CP932 code and come back as the
 * CP932 variant (U+301C → U+FF5E); that is what Excel would show anyway.
 */
const JIS_TO_CP932: Readonly<Record<string, string>> = {
  '\u301C': '\uFF5E',
  '\u2016': '\u2225',
  '\u2212': '\uFF0D',
  '\u00A2': '\uFFE0',
  '\u00A3': '\uFFE1',
  '\u00AC': '\uFFE2',
  '\u2014': '\u2015',
};
const JIS_VARIANTS = /[\u301C\u2016\u2212\u00A2\u00A3\u00AC\u2014]/g;

function toCp932Variants(text: string): string {
  return text.replace(JIS_VARIANTS, (c) => JIS_TO_CP932[c] ?? c);
}

const encodableCache = new Map<string, boolean>();

/** Whether one character (a code point, possibly a surrogate pair) has a CP932 code. */
function isCp932Encodable(char: string): boolean {
  let known = encodableCache.get(char);
  if (known === undefined) {
    // iconv-lite writes '?' for what it cannot encode; round-tripping tells the two apart.
    known = iconv.decode(iconv.encode(char, 'cp932'), 'cp932') === char;
    encodableCache.set(char, known);
  }
  return known;
}

/** The first character of `text` that CP932 cannot represent (after the JIS-variant mapping),
 *  or null. ASCII-only text is answered without looking at characters. */
export function firstUnencodableInShiftJis(text: string): string | null {
  // eslint-disable-next-line no-control-regex -- the ASCII range is the point
  if (/^[\u0000-\u007f]*$/.test(text)) return null;
  for (const char of toCp932Variants(text)) {
    if (!isCp932Encodable(char)) return char;
  }
  return null;
}

/** Encodes to CP932. The caller has checked every cell with `firstUnencodableInShiftJis`;
 *  iconv-lite would otherwise write '?' silently. */
export function encodeShiftJis(text: string): Uint8Array {
  const buffer = iconv.encode(toCp932Variants(text), 'cp932');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function encodeUtf8WithBom(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
}
