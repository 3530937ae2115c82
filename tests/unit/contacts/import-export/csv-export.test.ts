import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import type { ContactInput } from '../../../../src-preload/contract';
import { CSV_EXPORT_HEADER, exportCsv, findShiftJisProblems, previewImport, ShiftJisUnencodableError } from '../../../../src-main/contacts/import-export';
import { readCsvRecords } from '../../../../src-main/contacts/import-export/csv-reader';
import { contactArbitrary, FORMULA_PAYLOADS } from './arbitraries';

const base: ContactInput = { name: '山田 太郎', kana: 'やまだ たろう', company: '', department: '', numbers: [], email: '', notes: '', favourite: false, photo: null };

const utf8Text = (bytes: Uint8Array) => {
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return new TextDecoder().decode(bytes.subarray(3));
};
const cellsOf = (text: string) => [...readCsvRecords(text, ',', Infinity)].map((record) => record.cells);

describe('CSV export', () => {
  it('writes our Japanese header, CRLF line ends, UTF-8 with BOM', () => {
    const text = utf8Text(exportCsv([{ ...base, numbers: [{ label: '携帯', number: '090-1111-2222' }], favourite: true }], 'utf-8'));
    expect(CSV_EXPORT_HEADER.slice(0, 6)).toEqual(['氏名', 'フリガナ', '会社名', '部署', '電話番号1', '種別1']);
    expect(CSV_EXPORT_HEADER.slice(-5)).toEqual(['電話番号10', '種別10', 'メール', 'メモ', 'お気に入り']);
    expect(text.split('\r\n')).toEqual([CSV_EXPORT_HEADER.join(','), `山田 太郎,やまだ たろう,,,'090-1111-2222,携帯${','.repeat(18)},,,1`, '']);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('writes Shift_JIS as CP932 bytes Excel reads (①, 髙, 﨑 in their extension codes)', () => {
    const bytes = exportCsv([{ ...base, name: '髙橋 ①', company: '山﨑㈱' }], 'shift_jis');
    const hex = Buffer.from(bytes).toString('hex');
    for (const code of ['fbfc', '8740', 'fab1', '878a']) expect(hex).toContain(code);
    expect(iconv.decode(Buffer.from(bytes), 'cp932')).toContain('髙橋 ①,やまだ たろう,山﨑㈱');
  });

  it('writes the JIS spellings of 〜 − — as their CP932 twins instead of failing', () => {
    const bytes = exportCsv([{ ...base, notes: '10時〜12時 −5 —' }], 'shift_jis');
    expect(previewImport(bytes, 'a.csv').contacts[0]?.notes).toBe('10時～12時 －5 ―');
  });

  it('refuses Shift_JIS for characters CP932 lacks, saying where, rather than writing "?"', () => {
    const contacts = [base, { ...base, name: '𠮷野家', notes: 'ok' }, { ...base, notes: '😀' }];
    expect(findShiftJisProblems(contacts)).toEqual([
      { contact: 1, column: '氏名', character: '𠮷' },
      { contact: 2, column: 'メモ', character: '😀' },
    ]);
    expect(() => exportCsv(contacts, 'shift_jis')).toThrow(ShiftJisUnencodableError);
    // UTF-8 has no such limit.
    expect(previewImport(exportCsv(contacts, 'utf-8'), 'a.csv').contacts[1]?.name).toBe('𠮷野家');
  });

  it('quotes cells with commas, quotes and line breaks', () => {
    const text = utf8Text(exportCsv([{ ...base, name: 'a,"b"', notes: 'x\r\ny' }], 'utf-8'));
    expect(text).toContain('"a,""b""",');
    expect(text).toContain('"x\r\ny"');
  });

  describe('formula injection', () => {
    it.each(FORMULA_PAYLOADS)('%s in any text cell is written inert and read back unchanged', (payload) => {
      const contact: ContactInput = {
        ...base,
        name: payload,
        kana: payload,
        company: payload,
        department: payload,
        numbers: [{ label: payload, number: '+81 3 1234 5678' }],
        notes: payload,
      };
      const bytes = exportCsv([contact], 'utf-8');
      const row = cellsOf(utf8Text(bytes))[1] ?? [];
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      expect(row[0]).toBe(`'${payload}`);
      expect(row[4]).toBe("'+81 3 1234 5678");
      expect(previewImport(bytes, 'a.csv').contacts).toEqual([contact]);
    });

    it('a note starting with a tab or CR is escaped too', () => {
      const contact = { ...base, notes: '\tcmd' };
      const bytes = exportCsv([contact, { ...base, notes: '\r=1' }], 'utf-8');
      expect(cellsOf(utf8Text(bytes)).map((row) => row[row.length - 2])).toEqual(['メモ', "'\tcmd", "'\r=1"]);
      expect(previewImport(bytes, 'a.csv').contacts.map((c) => c.notes)).toEqual(['\tcmd', '\r=1']);
    });

    it('every number cell gets the apostrophe (keeps +81 inert and 03… from turning into a number in Excel)', () => {
      const bytes = exportCsv([{ ...base, numbers: [{ label: '会社', number: '0312345678' }, { label: 'FAX', number: '-1' }] }], 'utf-8');
      expect(cellsOf(utf8Text(bytes))[1]?.slice(4, 8)).toEqual(["'0312345678", '会社', "'-1", 'FAX']);
    });

    it('property: no cell of any export starts with a formula trigger', () => {
      fc.assert(
        fc.property(fc.array(contactArbitrary({ charset: 'unicode', notesWithCr: true, photos: false }), { maxLength: 4 }), (contacts) => {
          for (const row of cellsOf(utf8Text(exportCsv(contacts, 'utf-8')))) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
        }),
      );
    });
  });

  describe('round trip: export → import gives the same contacts (photos are not in CSV)', () => {
    const withoutPhoto = (contacts: ContactInput[]) => contacts.map((contact) => ({ ...contact, photo: null }));

    it('UTF-8, any Unicode', () => {
      fc.assert(
        fc.property(fc.array(contactArbitrary({ charset: 'unicode', notesWithCr: true, photos: true }), { maxLength: 5 }), (contacts) => {
          const preview = previewImport(exportCsv(contacts, 'utf-8'), 'export.csv');
          expect(preview.rejected).toEqual([]);
          expect(preview).toMatchObject({ format: 'csv', encoding: 'utf-8', totalRows: contacts.length, ignoredColumns: [] });
          expect(preview.contacts).toEqual(withoutPhoto(contacts));
        }),
        { numRuns: 300 },
      );
    });

    it('Shift_JIS, Japanese names with ①, 髙, 﨑, half-width kana', () => {
      fc.assert(
        fc.property(fc.array(contactArbitrary({ charset: 'cp932', notesWithCr: true, photos: false }), { maxLength: 5 }), (contacts) => {
          const bytes = exportCsv(contacts, 'shift_jis');
          const preview = previewImport(bytes, 'export.csv');
          expect(preview.rejected).toEqual([]);
          expect(preview.contacts).toEqual(contacts);
          // Non-ASCII content must have been detected as Shift_JIS (pure ASCII reads as UTF-8, equally right).
          if (bytes.some((byte) => byte >= 0x80)) expect(preview.encoding).toBe('shift_jis');
        }),
        { numRuns: 300 },
      );
    });

    it('fixed examples', () => {
      const contacts: ContactInput[] = [
        { ...base, name: '髙橋 ①', kana: 'タカハシ', company: '山﨑工業㈱', department: '第②営業部', numbers: [{ label: '会社', number: '+81 3-1234-5678' }, { label: '内線', number: '1234' }], email: 'a@example.jp', notes: '火曜"午後",\r\n不在', favourite: true },
        { ...base, name: "=cmd|' /C calc'!A0", numbers: Array.from({ length: 10 }, (_, i) => ({ label: `L${i}`, number: `0${i}` })) },
      ];
      for (const encoding of ['utf-8', 'shift_jis'] as const) {
        expect(previewImport(exportCsv(contacts, encoding), 'a.csv').contacts).toEqual(contacts);
      }
    });
  });
});
