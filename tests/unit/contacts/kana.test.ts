import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldForSearch, isKanaReading } from '../../../src-main/contacts/kana';

// ぁ (U+3041) … ゖ (U+3096) and their katakana twins ァ (U+30A1) … ヶ (U+30F6), plus ー.
const hiraganaChar = fc.integer({ min: 0x3041, max: 0x3096 }).map((code) => String.fromCharCode(code));
const kanaWord = fc.array(fc.oneof({ weight: 9, arbitrary: hiraganaChar }, { weight: 1, arbitrary: fc.constantFrom('ー', 'ゝ', 'ゞ') }), { minLength: 1, maxLength: 20 });
const toKatakana = (text: string): string => text.replace(/[\u3041-\u3096\u309d\u309e]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60));

const toHiraganaReference = (text: string): string =>
  text.replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60)).replace(/[\u30f7-\u30fa]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x30f7 + 0x308f) + '\u3099');

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: anyCodeUnit, maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  // The characters the folding branches on, densely: kana in all widths, voicing marks in all
  // forms (precomposed, combining, spacing, half-width), separators, full-width Latin.
  fc.string({
    unit: fc.constantFrom(...'あかたはわうカタハワウヴヷｶﾀﾊﾜｳﾞﾟ\u3099\u309a゛゜ー・･ｰ 　\t\u200bＡａAaİẞ①㍻㌔ｱ゠ゝゞヽヾ'.split('')),
    maxLength: 30,
  }),
);

describe('foldForSearch', () => {
  it.each(['ヤマダ', 'やまだ', 'ﾔﾏﾀﾞ', 'ヤマダ', 'や ま だ', 'ヤマダ　', ' ﾔ ﾏ ﾀ ﾞ'])('%j folds to やまだ', (text) => {
    expect(foldForSearch(text)).toBe('やまだ');
  });

  it.each(['YAMADA', 'yamada', 'Yamada', 'ＹＡＭＡＤＡ', 'ｙａｍａｄａ', 'ya mada', 'Ｙａｍａｄａ　'])('%j folds to yamada', (text) => {
    expect(foldForSearch(text)).toBe('yamada');
  });

  it.each([
    ['ヴァイオリン', 'ゔぁいおりん'],
    ['ｳﾞｧｲｵﾘﾝ', 'ゔぁいおりん'],
    ['ヵヶ', 'ゕゖ'],
    ['ケーキ', 'けーき'], // the long-vowel mark is kept
    ['ｹｰｷ', 'けーき'],
    ['ジョン・スミス', 'じょんすみす'], // the middle dot goes
    ['ｼﾞｮﾝ･ｽﾐｽ', 'じょんすみす'],
    ['パン', 'ぱん'],
    ['ﾊﾟﾝ', 'ぱん'],
    ['タ゛ン', 'だん'], // a stand-alone voicing mark, as some old data has it
    ['た\u3099ん', 'だん'], // a combining one
    ['ヷ', 'わ\u3099'], // no precomposed hiragana exists
    ['ワ\u3099', 'わ\u3099'],
    ['いすゞ', 'いすゞ'],
    ['イスヾ', 'いすゞ'],
    ['山田 太郎', '山田太郎'],
    ['山田\u3000太郎', '山田太郎'],
    ['株式会社ＡＢＣ', '株式会社abc'],
    ['㈱ＡＢＣ', '(株)abc'],
    ['０３－１２３４', '03-1234'],
    ['Ｔｅｌ.', 'tel.'],
    ['\u200bやまだ\ufeff', 'やまだ'], // invisible characters pasted from web pages
    ['', ''],
    ['   ', ''],
  ])('%j → %j', (text, expected) => {
    expect(foldForSearch(text)).toBe(expected);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(anyString, (text) => {
        const folded = foldForSearch(text);
        expect(foldForSearch(folded)).toBe(folded);
      }),
      { numRuns: 5000 },
    );
  });

  it('katakana and hiragana spellings of the same word fold alike', () => {
    fc.assert(
      fc.property(kanaWord, (chars) => {
        const hiragana = chars.join('');
        expect(foldForSearch(toKatakana(hiragana))).toBe(foldForSearch(hiragana));
      }),
      { numRuns: 3000 },
    );
  });

  it('decomposed voicing marks fold like precomposed ones', () => {
    fc.assert(
      fc.property(kanaWord, (chars) => {
        const katakana = toKatakana(chars.join(''));
        expect(foldForSearch(katakana.normalize('NFD'))).toBe(foldForSearch(chars.join('')));
      }),
    );
  });

  it('every half-width katakana, alone or voiced, folds to the hiragana of its full-width twin', () => {
    for (let code = 0xff66; code <= 0xff9d; code++) {
      if (code === 0xff70) continue; // ｰ, the long-vowel mark, stays ー
      const halfWidth = String.fromCharCode(code);
      const hiragana = toHiraganaReference(halfWidth.normalize('NFKC'));
      expect(foldForSearch(halfWidth), halfWidth).toBe(hiragana);
      for (const mark of ['ﾞ', 'ﾟ']) {
        const composed = `${halfWidth}${mark}`.normalize('NFKC');
        // Where a voiced letter exists (ｶﾞ → ガ) it is folded as that letter.
        if (composed.length === 1) expect(foldForSearch(halfWidth + mark), halfWidth + mark).toBe(toHiraganaReference(composed));
      }
    }
  });

  it('never throws and never leaves whitespace', () => {
    fc.assert(
      fc.property(anyString, (text) => {
        const folded = foldForSearch(text);
        expect(folded).not.toMatch(/\s/);
        isKanaReading(text);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    'あ'.repeat(100_000),
    'ｱﾞ'.repeat(50_000),
    ' '.repeat(100_000),
    '\u0000\u001f\u007f'.repeat(33_000),
    '\ud800'.repeat(100_000),
    '\udc00x'.repeat(50_000),
    '😀'.repeat(50_000),
    '👨‍👩‍👧'.repeat(10_000),
    'ヷ'.repeat(100_000),
    'A'.repeat(100_000),
  ])('hostile 100 kB input #%# does not throw', (text) => {
    const started = performance.now();
    expect(typeof foldForSearch(text)).toBe('string');
    expect(typeof isKanaReading(text)).toBe('boolean');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps lone surrogates rather than throwing on them', () => {
    expect(foldForSearch('ヤ\ud800マ')).toBe('や\ud800ま');
  });
});

describe('isKanaReading', () => {
  it.each(['やまだ', 'ヤマダ', 'ﾔﾏﾀﾞ', 'やまだ たろう', 'ヤマダ・タロウ', 'ケーキ', 'ゔぁいおりん', 'いすゞ', 'ヷ'])('%j is a reading', (text) => {
    expect(isKanaReading(text)).toBe(true);
  });

  it.each(['', ' ', 'ー', 'ゝ', '山田', 'やまだ太郎', 'yamada', 'ＹＡＭＡＤＡ', 'やまだ1', 'やまだ!', '\u3099', '😀'])('%j is not a reading', (text) => {
    expect(isKanaReading(text)).toBe(false);
  });

  it('accepts every generated kana word in either script', () => {
    fc.assert(
      fc.property(kanaWord, (chars) => {
        const hiragana = chars.join('');
        fc.pre(/[\u3041-\u3096]/.test(hiragana));
        expect(isKanaReading(hiragana)).toBe(true);
        expect(isKanaReading(toKatakana(hiragana))).toBe(true);
      }),
    );
  });
});
