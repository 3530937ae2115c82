// fast-check arbitraries for valid contacts, in the shapes the round-trip properties need.
import fc from 'fast-check';
import { ContactInput } from '../../../../src-preload/contract';

/** CP932-encodable: kana (full and half width), kanji including the IBM/NEC extensions
 *  (髙 﨑 ① ㈱), the full-width space, and ASCII that CSV, vCard and spreadsheets treat
 *  specially (quote, comma, semicolon, backslash, caret, formula triggers, apostrophe). */
const CP932_CHARS = [
  ...'あいうえおかがきくけこさしすせそただちっつてとなにぬのはばぱひまみむめもやゆよらりるれろわをん',
  ...'アイウエオカガキクケコサシスセソタチツテトナニヌネノハバパヒフヘホマミムメモヤユヨラリルレロワヲンヴー',
  ...'ｱｲｳｴｵｶﾞﾊﾟｯｰ',
  ...'山田太郎花子鈴木佐藤一郎髙橋山﨑齋藤渡邊株式会社営業部課長',
  ...'①②⑩㈱㈲№∵≒～（）「」、。・　',
  ...'abcXYZ0189 .,;:"\'\\^=+-@/()#*!?&%$<>[]{}|`~_',
];
/** Only in Unicode: astral kanji, emoji (surrogate pairs), Hangul, Latin, and the JIS code
 *  points (〜 −) that CP932 spells differently. */
const UNICODE_ONLY = ['𠮷', '😀', '👨‍👩‍👧', '한', 'é', 'ß', '€', '〜', '−', '—', '\u00a0', '\u2028', '\ufeff', '\u0085'];

export interface ContactShape {
  charset: 'cp932' | 'unicode';
  /** vCard cannot carry a bare CR (it escapes line breaks as \n). */
  notesWithCr: boolean;
  photos: boolean;
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff, 0xe0];
const WEBP = [0x52, 0x49, 0x46, 0x46, 0x10, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50];

const photo = fc
  .tuple(fc.constantFrom(['image/png', PNG] as const, ['image/jpeg', JPEG] as const, ['image/webp', WEBP] as const), fc.uint8Array({ maxLength: 300 }))
  .map(([[mime, magic], tail]) => `data:${mime};base64,${Buffer.from([...magic, ...tail]).toString('base64')}`);

const PHONE_CHARS = [...'0123456789+-() ./*#', '０', '５', '９', '＋', 'ー', '－', '‐', '（', '）', '＃'];
const dialString = fc
  .string({ unit: fc.constantFrom(...PHONE_CHARS), minLength: 1, maxLength: 24 })
  .map((s) => s.trim())
  .filter((s) => s !== '');
const sipUri = fc
  .tuple(fc.constantFrom('sip:', 'sips:'), fc.string({ unit: fc.constantFrom(...'abc123@.;=,\\_-%'), minLength: 1, maxLength: 24 }))
  .map(([scheme, rest]) => scheme + rest);

const email = fc.oneof(
  fc.constant(''),
  fc.constantFrom('taro@example.jp', '+tag@example.co.jp', '-dash@example.jp', "o'brien@example.com", 'a.b_c@sub.example.org'),
  fc.emailAddress().filter((address) => ContactInput.shape.email.safeParse(address).success),
);

export function contactArbitrary(shape: ContactShape): fc.Arbitrary<ContactInput> {
  const chars = shape.charset === 'cp932' ? CP932_CHARS : [...CP932_CHARS, ...UNICODE_ONLY];
  const plain = (max: number, min = 0) =>
    fc
      .string({ unit: fc.constantFrom(...chars), maxLength: Math.min(max, 40) })
      .map((s) => s.trim())
      .filter((s) => s.length >= min && s.length <= max);
  const noteChars = shape.notesWithCr ? [...chars, '\r', '\n', '\r\n', '\t', '\u0001'] : [...chars, '\n', '\t', '\u0001'];
  const label = fc.oneof(fc.constantFrom('会社', '携帯', '内線', '自宅', 'FAX', '電話', '', 'fax', '本社代表', '=1+1', "'x"), plain(32));
  const number = shape.charset === 'cp932' ? dialString : fc.oneof(dialString, sipUri);

  return fc
    .record({
      name: plain(128, 1),
      kana: fc.oneof(plain(128), fc.constantFrom('やまだ たろう', 'ヤマダ　タロウ', 'たかはし')),
      company: plain(128),
      department: plain(128),
      numbers: fc.array(fc.record({ label, number }), { maxLength: 10 }),
      email,
      notes: fc.string({ unit: fc.constantFrom(...noteChars), maxLength: 60 }),
      favourite: fc.boolean(),
      photo: shape.photos ? fc.option(photo, { nil: null }) : fc.constant(null),
    })
    .filter((contact) => {
      // Only contacts the schema accepts unchanged: the properties compare exactly.
      const parsed = ContactInput.safeParse(contact);
      return parsed.success && JSON.stringify(parsed.data) === JSON.stringify(contact);
    });
}

/** Formula-injection payloads (OWASP) and near misses. */
export const FORMULA_PAYLOADS = ["=cmd|' /C calc'!A0", '@SUM(1+1)', '+1+1', '-1+1', '=HYPERLINK("http://x","y")', "'=already quoted", "''+twice"];
