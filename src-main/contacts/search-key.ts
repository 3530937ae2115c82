// What the trigram search table (contact_search) holds for a contact: its text, and its rowid.
//
// The rowid is not the bare contact id. It leads with a coarse list-order key, so that FTS5,
// which returns matches in rowid order, returns them roughly in list order (favourites first,
// then reading order):
//
//   rowid = bucket << ID_BITS | id        bucket = tier << 32 | prefix code of sort_key
//
// Why: a common trigram (090, さとう, a company name) matches thousands of contacts, up to all
// of them. With rowid = id the search had to fetch and sort every match to return the first 50
// in list order: ~1 µs per match, 45 ms for 100,000. With the list order in the rowid the
// search reads matches in rowid order up to the bucket of the 50th, and sorts only that much
// (see contacts-service.ts, trigramSearch): the cost is bounded by the size of one bucket, not
// by the number of matches.
//
// The bucket must never be out of step with list order: if contact a comes before b in the
// list (favourite DESC, sort_key, id), then bucket(a) <= bucket(b). Equal buckets are fine (the
// search sorts within a bucket); an inversion would silently drop results. The tier makes
// favourites come first. The prefix code is the start of sort_key written as base-256 digits
// (PREFIX_DIGITS of them, 0 after the key ends), each character as:
//   - one digit, for a character with a class of its own (0-9, a-z, each hiragana);
//   - two digits, for a character in a run of up to 256 code points (the CJK ideographs,
//     ASCII punctuation, Latin): the run, then the offset in it;
//   - one digit that ENDS the code, for a coarse range (rare in folded keys: Hangul, astral
//     planes…). Everything after a coarse character is left at 0.
// Digits of classes and runs increase with the code point, and a character's digits identify
// it exactly, so up to where the code is cut the codes compare as the keys do (code point
// order, which is the order of SQLite's BINARY collation on UTF-8 text). Where two keys first
// differ in a coarse character of the same range, both codes end there and are equal. A code
// cut off after PREFIX_DIGITS digits ties, never inverts. (A lossy class that did not end the
// code would break this: ꀀ\0 < ꀁ, yet with ꀀ and ꀁ in one class the \0 would be compared with
// "ended".) A property test checks the order against SQLite's own ORDER BY.
//
// The layout is part of the schema: rows are keyed with it when written, and migration 004
// re-keyed the rows written before it. Changing CLASSES, PREFIX_DIGITS or ID_BITS needs a
// migration that re-keys the table.

/** Low bits of the rowid: the contact id. 2^30 ids (SQLite hands out max(id) + 1). */
export const ID_BITS = 30;
export const ID_MASK = 2 ** ID_BITS - 1;
/** The largest bucket (a non-favourite with the largest prefix code): 2^33 - 1. With ID_BITS,
 *  the largest rowid is 2^63 - 1, SQLite's largest integer. */
export const MAX_BUCKET = 2 ** 33 - 1;

const PREFIX_DIGITS = 4;
const RADIX = 256;

type ClassKind = 'single' | 'run' | 'coarse';

const singles = (from: number, to: number): [number, ClassKind][] => Array.from({ length: to - from + 1 }, (_, i) => [from + i, 'single']);
const runs = (from: number, to: number): [number, ClassKind][] =>
  Array.from({ length: Math.ceil((to - from + 1) / RADIX) }, (_, i) => [from + i * RADIX, 'run']);

/**
 * [first code point, kind], ascending: a code point belongs to the last class starting at or
 * below it, and the class's digit is 1 + its index (0 means "the key ended"). Exact where
 * folded sort keys live (foldForSearch gives hiragana, lower-case ASCII, NFKC), coarse where
 * they hardly do; coarse only makes a bucket larger, never a result wrong.
 */
const CLASSES: readonly (readonly [number, ClassKind])[] = [
  [0x0000, 'run'], // controls, space and punctuation before '0'
  ...singles(0x30, 0x39), // 0-9
  [0x3a, 'run'], // :;<=>?@, A-Z (folded to lower case), [\]^_`
  ...singles(0x61, 0x7a), // a-z
  ...runs(0x7b, 0x2ff), // {|}~, Latin-1 and Latin Extended
  [0x300, 'coarse'], // combining marks, Greek, Cyrillic … up to hiragana
  ...singles(0x3041, 0x309f), // each hiragana, the (semi-)voiced marks, the iteration marks ゝゞ
  [0x30a0, 'run'], // the katakana block: folding leaves ー (U+30FC) and a few marks
  [0x3100, 'coarse'], // bopomofo … CJK extension A
  ...runs(0x4e00, 0x9fff), // CJK unified ideographs: 82 runs of 256
  // Everything above, astral planes included. Lone surrogates (U+D800–DFFF) are stored by
  // SQLite as U+FFFD: both land in this class, so the stored string and the JS string agree.
  [0xa000, 'coarse'],
];
if (CLASSES.length >= RADIX) throw new Error('search-key: too many classes');

/** Index of the class of a code point (binary search; CLASSES[0] starts at 0). */
function classIndex(codePoint: number): number {
  let lo = 0;
  let hi = CLASSES.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (CLASSES[mid]![0] <= codePoint) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The list-order bucket of a contact: favourites (tier 0) before the rest (tier 1), then the
 *  prefix code of its sort key. An integer below 2^33 (safe in JS; SQL shifts it into place). */
export function searchBucket(favourite: boolean, sortKey: string): number {
  const digits: number[] = [];
  for (const char of sortKey) {
    if (digits.length >= PREFIX_DIGITS) break;
    const codePoint = char.codePointAt(0)!;
    const index = classIndex(codePoint);
    const [start, kind] = CLASSES[index]!;
    digits.push(index + 1);
    if (kind === 'coarse') break;
    if (kind === 'run') digits.push(codePoint - start);
  }
  let code = 0;
  for (let i = 0; i < PREFIX_DIGITS; i++) code = code * RADIX + (digits[i] ?? 0);
  return (favourite ? 0 : 1) * RADIX ** PREFIX_DIGITS + code;
}

/** Digits of a normalised number in the forms people type: E.164 without '+', and national. */
function searchableDigits(normalized: string): string {
  const digits = normalized.replace(/^\+/, '');
  return normalized.startsWith('+81') ? `${digits} 0${digits.slice(2)}` : digits;
}

/**
 * The text indexed for a contact: folded name and reading, folded company and department, and
 * the digits of every number that normalises. Parts are joined with a space, which a folded
 * query never contains, so a match never spans two parts.
 */
export function searchText(keys: { nameKey: string; sortKey: string; companyKey: string; departmentKey: string }, normalizedNumbers: readonly string[]): string {
  const digits = normalizedNumbers.filter((n) => n !== '').map(searchableDigits);
  return [keys.nameKey, keys.sortKey, keys.companyKey, keys.departmentKey, ...digits].join(' ');
}
