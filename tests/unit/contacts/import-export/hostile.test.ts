import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ContactInput } from '../../../../src-preload/contract';
import { previewImport, type ImportPreview } from '../../../../src-main/contacts/import-export';
import { GENERATED_CSV_HEADER, generatedRow, generateShiftJisCsv } from './generate';

/** What must hold for any input: no throw (checked by calling), every contact valid, every
 *  rejection has a reason and a sane line, counts add up. */
function expectSane(preview: ImportPreview): void {
  for (const contact of preview.contacts) expect(ContactInput.safeParse(contact).success).toBe(true);
  for (const row of preview.rejected) {
    expect(row.reason).toMatch(/^[a-z-]+$/);
    expect(Number.isInteger(row.line) && row.line >= 0).toBe(true);
  }
  expect(preview.contacts.length).toBeLessThanOrEqual(preview.totalRows);
}

const TOKENS = ['"', '""', ',', '\t', '\r', '\n', '\r\n', ' ', "'", '=', '+', '@', '-', '氏名', '名前', 'name', '電話', '携帯', '種別1', '電話番号1', 'メモ', 'お気に入り', 'はい', '山田', '03-1234', '+81', 'BEGIN:VCARD', 'END:VCARD', 'VERSION:3.0', 'VERSION:4.0', 'FN:', 'TEL;TYPE=cell:', 'item1.', 'X-ABLabel:', 'PHOTO;ENCODING=b:', 'iVBORw0KGgo', 'data:image/png;base64,', ';', ':', '\\', '\\n', '^', '=', '\u0000', '\ufeff', '😀', '髙'];
const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((parts) => parts.join(''));

describe('hostile input never throws', () => {
  it('random bytes, as .csv and .vcf', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), fc.constantFrom('a.csv', 'a.vcf', 'a.txt', ''), (bytes, name) => {
        expectSane(previewImport(bytes, name));
      }),
      { numRuns: 1000 },
    );
  });

  it('random Unicode text, UTF-8 or Shift_JIS encoded', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), fc.boolean(), fc.constantFrom('a.csv', 'a.vcf'), (text, sjis, name) => {
        const bytes = sjis ? new Uint8Array(iconv.encode(text, 'cp932')) : new TextEncoder().encode(text);
        expectSane(previewImport(bytes, name));
      }),
      { numRuns: 500 },
    );
  });

  it('CSV/vCard-shaped token soup (quotes, separators, headers, card syntax)', () => {
    fc.assert(
      fc.property(tokenSoup, tokenSoup, fc.constantFrom('a.csv', 'a.vcf'), (header, body, name) => {
        expectSane(previewImport(new TextEncoder().encode(`${header}\r\n${body}`), name));
        expectSane(previewImport(new TextEncoder().encode(`BEGIN:VCARD\r\n${header}\r\n${body}\r\nEND:VCARD`), name));
      }),
      { numRuns: 1000 },
    );
  });

  it('deeply repeated quotes and a 10 MB line without separators', () => {
    expectSane(previewImport(new TextEncoder().encode(`氏名\r\n${'"'.repeat(1_000_001)}`), 'a.csv'));
    expectSane(previewImport(new TextEncoder().encode(`BEGIN:VCARD\r\n${'x'.repeat(10_000_000)}\r\nEND:VCARD`), 'a.vcf'));
    expectSane(previewImport(new TextEncoder().encode(`BEGIN:VCARD\r\nFN:a\r\n${' x'.repeat(1_000_000)}\r\nEND:VCARD`), 'a.vcf'));
  });
});

describe('a 100,000-row Shift_JIS CSV', () => {
  it('the generator writes what it says (spot check)', () => {
    const bytes = generateShiftJisCsv(3);
    const text = iconv.decode(Buffer.from(bytes), 'cp932');
    expect(text.startsWith(`${GENERATED_CSV_HEADER.join(',')}\r\n`)).toBe(true);
    expect(generatedRow(0)[9]).toContain('\r\n');
  });

  it('parses with every row accepted', () => {
    const bytes = generateShiftJisCsv(100_000);
    const started = performance.now();
    const preview = previewImport(bytes, 'big.csv');
    const elapsed = performance.now() - started;
    console.log(`100,000-row Shift_JIS CSV (${(bytes.byteLength / 1024 / 1024).toFixed(1)} MB): previewImport ${elapsed.toFixed(0)} ms`);
    expect(preview.rejected).toEqual([]);
    expect(preview).toMatchObject({ format: 'csv', encoding: 'shift_jis', totalRows: 100_000, ignoredColumns: [] });
    expect(preview.contacts).toHaveLength(100_000);
    expect(preview.contacts[0]).toEqual({
      name: '山田 太郎',
      kana: 'ヤマダ タロウ',
      company: '㈱ラボ商事',
      department: '第①営業部',
      numbers: [
        { label: '電話', number: '+81 3 0000 0000' },
        { label: '携帯', number: '090-0000-0000' },
        { label: '内線', number: '0000' },
        { label: 'FAX', number: '03-0000-0000' },
      ],
      email: 'user0@example.co.jp',
      notes: '訪問は火曜、"午後"のみ\r\n担当: 佐藤',
      favourite: true,
      photo: null,
    });
    expect(preview.contacts[3]).toMatchObject({ name: '髙橋 大輔', company: '山﨑工業株式会社' });
  });
});
