// Generated vCards for the web phonebook tests: Japanese names with readings in the ways real
// address books carry them, numbers in the spellings Japanese offices use, a photo on some.

import type { LabCard } from '../../lab/radicale';

/** The 16×16 PNG of the lab reference (/work/shared/lab-reference/radicale/vcards/photo.png). */
export const PHOTO_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQEAIAAADAAbR1AAAABGdBTUEAALGPC/xhBQAAACBjSFJNAAB6JgAAgIQAAPoAAACA6AAAdTAAAOpgAAA6mAAAF3CculE8AAAABmJLR0T///////8JWPfcAAAAB3RJTUUH6gsWATctrbM9YAAAAW5JREFUOMtjNDZOSztzhoFmgIl2Rg8OC9husCQxlfmGWzGKhC2TqZmq1X5m8cwqY00IGyIOUYPLBEZccSAhLSTCxr5lcnuergqDHIM4AwdOVzxieMXw0yencuLl2y+evXvz6ycBH7BdZUlgKt3S1Z6uq0TAaAiQYxBjYIeoh+glYIF7r9lKoccM6gxyDFwkBLYGgxwDl3uf2SqhJwQsiNzp1C2mT4LRyHp3OHWJ6RGwQK1H9hXnYvIsUNsoy8q5hoAFt+qeyH2PJ8+CW2lPeL5HErBgue7epFdk5u3lGnvjX50mYMHOjlOp7xQZvjB8Z/hLgtkPGF4w/NhZdSr6nRwBC36p/Zn7r8snuLL+8lWGGwyPGL4RMPoTwzeGvz4pld2Xb/7S+bPwXzcBCyDgxdt3H3/9ttLPfnLep3HOwtKH6rfCnjB+D2N4yfCe4det7CcC36Mb2xemPlSyksi+eN71xYd3X379wTSHcciXpgDZ0Y0uiVY8VAAAACV0RVh0ZGF0ZTpjcmVhdGUAMjAyNi0xMS0yMlQwMTo1NTo0NSswMDowMAPurRYAAAAldEVYdGRhdGU6bW9kaWZ5ADIwMjYtMTEtMjJUMDE6NTU6NDUrMDA6MDBysxWqAAAAAElFTkSuQmCC';

const FAMILY: readonly [string, string][] = [
  ['佐藤', 'さとう'], ['鈴木', 'すずき'], ['高橋', 'たかはし'], ['田中', 'たなか'], ['伊藤', 'いとう'],
  ['渡辺', 'わたなべ'], ['山本', 'やまもと'], ['中村', 'なかむら'], ['小林', 'こばやし'], ['加藤', 'かとう'],
  ['吉田', 'よしだ'], ['山田', 'やまだ'], ['佐々木', 'ささき'], ['山口', 'やまぐち'], ['松本', 'まつもと'],
  ['井上', 'いのうえ'], ['木村', 'きむら'], ['林', 'はやし'], ['斎藤', 'さいとう'], ['清水', 'しみず'],
];
const GIVEN: readonly [string, string][] = [
  ['太郎', 'たろう'], ['花子', 'はなこ'], ['一郎', 'いちろう'], ['美咲', 'みさき'], ['健太', 'けんた'],
  ['陽子', 'ようこ'], ['翔', 'しょう'], ['由美', 'ゆみ'], ['大輔', 'だいすけ'], ['愛', 'あい'], ['誠', 'まこと'],
];
const COMPANIES = ['ラボ商事株式会社', '東京物産', 'つなぐ電機', '大阪運輸', '北海道フーズ', '株式会社さくら'];
const DEPARTMENTS = ['営業部', '総務部', '開発部', ''];

const toKatakana = (text: string) => text.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));

/** The landline of card i, national digits: 03 2xxx xxxx (unique for i < 10,000,000). */
export function landline(i: number): string {
  return `03${String(20_000_000 + i)}`;
}

/** The mobile of card i (every third card), national digits. */
export function mobile(i: number): string {
  return `090${String(10_000_000 + i)}`;
}

export function expectedName(i: number): string {
  const [family] = FAMILY[i % FAMILY.length]!;
  const [given] = GIVEN[Math.floor(i / FAMILY.length) % GIVEN.length]!;
  return `${family} ${given}${i}`;
}

export function expectedKana(i: number): string {
  const [, familyKana] = FAMILY[i % FAMILY.length]!;
  const [, givenKana] = GIVEN[Math.floor(i / FAMILY.length) % GIVEN.length]!;
  return i % 3 === 2 ? `${toKatakana(familyKana)} ${toKatakana(givenKana)}` : `${familyKana} ${givenKana}`;
}

export function expectedCompany(i: number): string {
  return COMPANIES[i % COMPANIES.length]!;
}

export const hasPhoto = (i: number) => i % 50 === 0;

export function uidOf(i: number, prefix = 'card'): string {
  return `${prefix}-${String(i).padStart(5, '0')}`;
}

/**
 * Card i. The landline is written in four spellings (03-2000-0007 / 0320000007 /
 * +81 3 2000 0007 / tel:+81-3-2000-0007), the reading as X-PHONETIC hiragana (3.0),
 * N;SORT-AS (4.0) or X-PHONETIC katakana with SORT-STRING (3.0).
 */
export function makeCard(i: number, opts: { prefix?: string; name?: string; landline?: string } = {}): LabCard {
  const uid = uidOf(i, opts.prefix);
  const name = opts.name ?? expectedName(i);
  const [family, given] = name.split(' ') as [string, string];
  const kana = expectedKana(i);
  const [kanaFamily, kanaGiven] = kana.split(' ') as [string, string];
  const national = opts.landline ?? landline(i);
  const nsn = national.slice(1);
  const spelled = [
    `${national.slice(0, 2)}-${national.slice(2, 6)}-${national.slice(6)}`,
    national,
    `+81 ${nsn.slice(0, 1)} ${nsn.slice(1, 5)} ${nsn.slice(5)}`,
    `+81-${nsn.slice(0, 1)}-${nsn.slice(1, 5)}-${nsn.slice(5)}`,
  ][i % 4]!;
  const v4 = i % 3 === 1;
  const department = DEPARTMENTS[i % DEPARTMENTS.length]!;
  const lines = ['BEGIN:VCARD', `VERSION:${v4 ? '4.0' : '3.0'}`, `UID:${uid}`, `FN:${name}`];
  if (v4) lines.push(`N;SORT-AS="${kanaFamily},${kanaGiven}":${family};${given};;;`);
  else lines.push(`N:${family};${given};;;`, `X-PHONETIC-LAST-NAME:${kanaFamily}`, `X-PHONETIC-FIRST-NAME:${kanaGiven}`);
  if (i % 3 === 2) lines.push(`SORT-STRING:${kana}`);
  lines.push(`ORG:${expectedCompany(i)}${department ? `;${department}` : ''}`);
  lines.push(i % 4 === 3 && v4 ? `TEL;TYPE=work;VALUE=uri:tel:${spelled}` : `TEL;TYPE=WORK,VOICE:${spelled}`);
  if (i % 3 === 0) lines.push(`TEL;TYPE=CELL:${mobile(i).slice(0, 3)}-${mobile(i).slice(3, 7)}-${mobile(i).slice(7)}`);
  lines.push(`EMAIL:user${i}@example.jp`);
  // ENCODING=b also in 4.0 cards: Radicale 3.1.8 (vobject) cuts a 4.0 data: URI PHOTO at its
  // comma on PUT (PHOTO:data:image/png\;base64, the image is gone).
  if (hasPhoto(i)) lines.push(`PHOTO;ENCODING=b;TYPE=PNG:${PHOTO_PNG_BASE64}`);
  lines.push('END:VCARD');
  return { uid, vcard: `${lines.join('\r\n')}\r\n` };
}

export function makeCards(count: number, prefix?: string): LabCard[] {
  return Array.from({ length: count }, (_, i) => makeCard(i, prefix === undefined ? {} : { prefix }));
}
