// Text folding for the phonebook search keys. Japanese names reach us in every script a keyboard
// can produce: ヤマダ, やまだ, half-width ﾔﾏﾀﾞ from old systems and CSV exports, ＹＡＭＡＤＡ from
// full-width input mode. The index stores the folded form and queries are folded the same way,
// so one comparison covers them all.

// Outside ASCII the full pipeline (NFKC, kana) is needed; pure ASCII takes a cheaper route.
const NON_ASCII = /[\u0080-\uffff]/;

// Whitespace (incl. U+3000), control characters, invisible format characters (zero-width
// space, BOM, bidi marks — pasted names carry them and they would silently break a match) and
// the middle dot that separates given and family name in katakana renderings of foreign names.
const REMOVED = /[\s\p{Cc}\p{Cf}\u30fb]/gu;
// eslint-disable-next-line no-control-regex -- whitespace and C0 controls are exactly what is removed
const REMOVED_ASCII = /[\x00-\x20\x7f]/g;

const KATAKANA = /[\u30a1-\u30fe]/;
const COMBINING_VOICED = '\u3099';

/**
 * Katakana → hiragana. ァ-ヶ map one-to-one onto ぁ-ゖ (a fixed offset of 0x60, which includes
 * ヴ→ゔ and ヵヶ→ゕゖ), as do the iteration marks ヽヾ→ゝゞ. ヷヸヹヺ have no precomposed
 * hiragana; they become わゐゑを plus the combining voiced mark, which is what NFC leaves
 * わ゙ etc. as, so both spellings fold to the same string. ー (U+30FC) is not katakana-only
 * and is kept.
 */
function katakanaToHiragana(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let replacement: string;
    if ((code >= 0x30a1 && code <= 0x30f6) || code === 0x30fd || code === 0x30fe) replacement = String.fromCharCode(code - 0x60);
    else if (code >= 0x30f7 && code <= 0x30fa) replacement = String.fromCharCode(code - 0x30f7 + 0x308f) + COMBINING_VOICED;
    else continue;
    out += text.slice(copiedUpTo, i) + replacement;
    copiedUpTo = i + 1;
  }
  return out + text.slice(copiedUpTo);
}

/** Folds text for search: NFKC (half-width katakana → full-width, full-width ASCII/digits → ASCII), katakana →
 *  hiragana (ァ-ヶ → ぁ-ゖ, including ヴ→ゔ, ヵヶ), lower case, remove all whitespace (incl. U+3000) and the
 *  long-vowel mark is KEPT (ー is meaningful in readings), middle dot ・ removed. */
export function foldForSearch(text: string): string {
  if (!NON_ASCII.test(text)) return text.replace(REMOVED_ASCII, '').toLowerCase();
  // NFKC first: it turns ﾀﾞ into ダ, Ａ into A and ･ into ・, so what follows sees one form.
  const compatible = text.normalize('NFKC');
  const lowered = compatible.toLowerCase();
  // Lower-casing can leave text un-normalized (İ becomes i + U+0307, which must be reordered
  // against a following combining mark), and then folding the result again would change it.
  const normalized = lowered === compatible ? lowered : lowered.normalize('NFKC');
  let folded = normalized.replace(REMOVED, '');
  // NFKC spells a stand-alone ゛ as a space plus the combining mark; with the space gone the
  // mark now follows its base (タ゛ → タ + U+3099) and must be composed, or タ゛ and ダ would
  // fold differently — and folding would not be idempotent.
  if (folded.length !== normalized.length) folded = folded.normalize('NFC');
  return KATAKANA.test(folded) ? katakanaToHiragana(folded) : folded;
}

// Hiragana letters ぁ-ゖ, the iteration marks ゝゞ, ー, and the combining (semi-)voiced marks
// (outside the class: a combining mark inside one reads as if it joined its neighbour).
const READING = /^(?:[\u3041-\u3096\u309d\u309e\u30fc]|\u3099|\u309a)+$/;
const KANA_LETTER = /[\u3041-\u3096]/;

/** True when the text is (after folding) only hiragana/ー — i.e. usable as a reading (フリガナ). */
export function isKanaReading(text: string): boolean {
  const folded = foldForSearch(text);
  // A reading must say something: a lone ー or iteration mark is not one.
  return READING.test(folded) && KANA_LETTER.test(folded);
}
