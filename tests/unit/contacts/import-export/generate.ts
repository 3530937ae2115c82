// Test data shared with the import benchmark: a large phonebook as Japanese Excel saves it
// (Shift_JIS/CP932, CRLF, Japanese header), built without the exporter under test so the
// importer is checked against an independent writer.
import iconv from 'iconv-lite';

const FAMILY = ['山田', '佐藤', '鈴木', '髙橋', '山﨑', '田中', '伊藤', '渡邊', '中村', '小林', '加藤', '吉田', '斎藤', '齋藤', '長谷川', '五十嵐'];
const FAMILY_KANA = ['ヤマダ', 'サトウ', 'スズキ', 'タカハシ', 'ヤマザキ', 'タナカ', 'イトウ', 'ワタナベ', 'ナカムラ', 'コバヤシ', 'カトウ', 'ヨシダ', 'サイトウ', 'サイトウ', 'ハセガワ', 'イガラシ'];
const GIVEN = ['太郎', '花子', '一郎', '次郎', '美咲', '翔太', '陽菜', '蓮', '結衣', '大輔', '直子', '健'];
const GIVEN_KANA = ['タロウ', 'ハナコ', 'イチロウ', 'ジロウ', 'ミサキ', 'ショウタ', 'ヒナ', 'レン', 'ユイ', 'ダイスケ', 'ナオコ', 'ケン'];
const COMPANY = ['㈱ラボ商事', '株式会社つなぐ', '髙島屋物産㈲', '山﨑工業株式会社', 'ｶ)ﾔﾏﾀﾞｼｮｳｼﾞ', '合同会社テスト'];
const DEPARTMENT = ['第①営業部', '総務部', '開発本部 第②課', '', '経理部', 'カスタマーサポート'];

/** Header as a Japanese office would type it; maps onto every field the importer knows. */
export const GENERATED_CSV_HEADER = ['氏名', 'フリガナ', '会社名', '部署', '電話番号', '携帯', '内線', 'FAX', 'メールアドレス', '備考', 'お気に入り'];

function pick<T>(list: readonly T[], index: number): T {
  return list[index % list.length] as T;
}

function digits(n: number, width: number): string {
  return String(n % 10 ** width).padStart(width, '0');
}

function quoteIfNeeded(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** One generated row (cells in GENERATED_CSV_HEADER order). Deterministic in `i`. */
export function generatedRow(i: number): string[] {
  const family = i % FAMILY.length;
  const given = (i * 7) % GIVEN.length;
  return [
    `${pick(FAMILY, family)} ${pick(GIVEN, given)}`,
    `${pick(FAMILY_KANA, family)} ${pick(GIVEN_KANA, given)}`,
    pick(COMPANY, i * 3),
    pick(DEPARTMENT, i * 5),
    // Every tenth work number in international form, apostrophe-protected as Excel users do.
    i % 10 === 0 ? `'+81 3 ${digits(i, 4)} ${digits(i * 13, 4)}` : `03-${digits(i, 4)}-${digits(i * 13, 4)}`,
    `090-${digits(i * 7, 4)}-${digits(i, 4)}`,
    i % 3 === 0 ? digits(i, 4) : '',
    i % 4 === 0 ? `03-${digits(i * 11, 4)}-${digits(i, 4)}` : '',
    `user${i}@example.co.jp`,
    // Quoted cells with commas, doubled quotes and a line break, as Excel writes them.
    i % 5 === 0 ? `訪問は火曜、"午後"のみ\r\n担当: ${pick(FAMILY, i + 1)}` : '',
    i % 9 === 0 ? '○' : '',
  ];
}

/** A Shift_JIS (CP932) CSV of `rows` contacts plus header, CRLF, every row valid. */
export function generateShiftJisCsv(rows = 100_000): Uint8Array {
  const lines = [GENERATED_CSV_HEADER.join(',')];
  for (let i = 0; i < rows; i++) lines.push(generatedRow(i).map(quoteIfNeeded).join(','));
  const buffer = iconv.encode(`${lines.join('\r\n')}\r\n`, 'cp932');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
