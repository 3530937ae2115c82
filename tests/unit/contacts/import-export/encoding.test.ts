import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { MAX_IMPORT_BYTES, previewImport } from '../../../../src-main/contacts/import-export';
import { decodeImportBytes } from '../../../../src-main/contacts/import-export/encoding';

const sjis = (text: string) => new Uint8Array(iconv.encode(text, 'cp932'));
const utf8 = (text: string) => new TextEncoder().encode(text);
const withBom = (bytes: Uint8Array) => new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);

const CSV = '氏名,フリガナ,会社名\r\n髙橋 ①郎,タカハシ,山﨑工業㈱\r\n';

describe('encoding detection', () => {
  it('reads UTF-8 with a BOM and drops the BOM', () => {
    const preview = previewImport(withBom(utf8(CSV)), 'a.csv');
    expect(preview.encoding).toBe('utf-8');
    expect(preview.contacts).toEqual([expect.objectContaining({ name: '髙橋 ①郎', kana: 'タカハシ', company: '山﨑工業㈱' })]);
    expect(preview.ignoredColumns).toEqual([]);
  });

  it('reads UTF-8 without a BOM', () => {
    const preview = previewImport(utf8(CSV), 'a.csv');
    expect(preview.encoding).toBe('utf-8');
    expect(preview.contacts[0]?.name).toBe('髙橋 ①郎');
  });

  it('reads Shift_JIS as CP932, NEC and IBM extensions included (①, ㈱ NEC; 髙, 﨑 IBM)', () => {
    const bytes = sjis(CSV);
    // The bytes really are the extension codes: ① 87 40, 髙 FB FC, 﨑 FA B1.
    expect(Buffer.from(bytes).toString('hex')).toContain('8740');
    expect(Buffer.from(bytes).toString('hex')).toContain('fbfc');
    expect(Buffer.from(bytes).toString('hex')).toContain('fab1');
    const preview = previewImport(bytes, 'a.csv');
    expect(preview.encoding).toBe('shift_jis');
    expect(preview.rejected).toEqual([]);
    expect(preview.contacts).toEqual([expect.objectContaining({ name: '髙橋 ①郎', kana: 'タカハシ', company: '山﨑工業㈱' })]);
  });

  it('reads half-width katakana in Shift_JIS (bank-style company names)', () => {
    const preview = previewImport(sjis('氏名,会社名\r\nﾔﾏﾀﾞ ﾀﾛｳ,ｶ)ﾗﾎﾞｼｮｳｼﾞ\r\n'), 'a.csv');
    expect(preview.encoding).toBe('shift_jis');
    expect(preview.contacts[0]).toMatchObject({ name: 'ﾔﾏﾀﾞ ﾀﾛｳ', company: 'ｶ)ﾗﾎﾞｼｮｳｼﾞ' });
  });

  it('pure ASCII is reported as UTF-8', () => {
    expect(previewImport(utf8('name\r\nTaro\r\n'), 'a.csv').encoding).toBe('utf-8');
  });

  it.each([
    ['bytes invalid in UTF-8 and in CP932', new Uint8Array([0x82, 0xa0, 0xff, 0xfe, 0x41])],
    ['a truncated Shift_JIS character', new Uint8Array([...sjis('氏名\r\n山'), 0x82])],
    ['an unmapped CP932 lead/trail pair', new Uint8Array([0x85, 0x40])],
    ['a lone 0x80', new Uint8Array([0x41, 0x80, 0x41])],
    ['UTF-8 BOM followed by Shift_JIS', withBom(sjis(CSV))],
    ['UTF-16LE with BOM (Excel "Unicode text")', new Uint8Array([0xff, 0xfe, 0x0f, 0x6c, 0x0d, 0x54])],
    ['UTF-16BE with BOM', new Uint8Array([0xfe, 0xff, 0x6c, 0x0f])],
    ['UTF-16LE without BOM, ASCII content', new Uint8Array([...'name\r\nTaro\r\n'].flatMap((c) => [c.charCodeAt(0), 0]))],
  ])('rejects %s as bad-encoding, on line 0, with nothing imported', (_, bytes) => {
    for (const fileName of ['a.csv', 'a.vcf']) {
      const preview = previewImport(bytes, fileName);
      expect(preview.rejected).toEqual([{ line: 0, reason: 'bad-encoding', detail: expect.any(String) }]);
      expect(preview.contacts).toEqual([]);
      expect(preview.totalRows).toBe(0);
    }
  });

  it('a stray NUL inside a note does not make the file "binary"', () => {
    const preview = previewImport(utf8('氏名,メモ\r\n山田,"a\u0000b"\r\n'), 'a.csv');
    expect(preview.contacts[0]?.notes).toBe('a\u0000b');
  });

  it('reads a Shift_JIS vCard too', () => {
    const preview = previewImport(sjis('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:髙橋 ①\r\nEND:VCARD\r\n'), 'a.vcf');
    expect(preview).toMatchObject({ format: 'vcard', encoding: 'shift_jis', rejected: [] });
    expect(preview.contacts[0]?.name).toBe('髙橋 ①');
  });

  it('an empty file is an empty preview, not an error', () => {
    expect(previewImport(new Uint8Array(), 'a.csv')).toEqual({ format: 'csv', encoding: 'utf-8', contacts: [], rejected: [], totalRows: 0, ignoredColumns: [] });
    expect(previewImport(new Uint8Array(), 'a.vcf')).toMatchObject({ format: 'vcard', contacts: [], rejected: [], totalRows: 0 });
  });

  it('refuses a file over the size cap before decoding it', () => {
    const preview = previewImport(new Uint8Array(MAX_IMPORT_BYTES + 1), 'huge.csv');
    expect(preview.rejected).toEqual([{ line: 0, reason: 'file-too-large', detail: expect.any(String) }]);
  });

  it('decodes a subarray view without reading outside it', () => {
    const backing = new Uint8Array([0xff, ...sjis('氏名'), 0xff]);
    expect(decodeImportBytes(backing.subarray(1, backing.length - 1))).toEqual({ ok: true, text: '氏名', encoding: 'shift_jis' });
  });
});
