import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import type { ContactInput } from '../../../../src-preload/contract';
import { exportVcard, MAX_PHOTO_BYTES, previewImport, type ImportPreview } from '../../../../src-main/contacts/import-export';
import { contactArbitrary } from './arbitraries';

const REFERENCE = '/work/shared/lab-reference/radicale/vcards';
const vcf = (text: string, fileName = 'contacts.vcf'): ImportPreview => previewImport(new TextEncoder().encode(text), fileName);
const card = (...lines: string[]) => ['BEGIN:VCARD', 'VERSION:3.0', ...lines, 'END:VCARD', ''].join('\r\n');
const card4 = (...lines: string[]) => ['BEGIN:VCARD', 'VERSION:4.0', ...lines, 'END:VCARD', ''].join('\r\n');
const only = (preview: ImportPreview) => {
  expect(preview.rejected).toEqual([]);
  expect(preview.contacts).toHaveLength(1);
  return preview.contacts[0] as ContactInput;
};

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const JPEG_BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);

describe('vCard import: the lab reference cards', () => {
  const read = (name: string) => readFileSync(`${REFERENCE}/${name}.vcf`);

  it('yamada-taro.vcf (3.0, ORG, WORK,VOICE, EMAIL)', () => {
    expect(only(previewImport(read('yamada-taro'), 'yamada-taro.vcf'))).toEqual({
      name: '山田 太郎',
      kana: 'やまだ たろう',
      company: 'ラボ商事株式会社',
      department: '',
      numbers: [
        { label: '会社', number: '03-1234-5678' },
        { label: '携帯', number: '090-1111-2222' },
      ],
      email: 'taro@example.jp',
      notes: '',
      favourite: false,
      photo: null,
    });
  });

  it('sato-hanako.vcf (4.0, N;SORT-AS, VALUE=uri tel:)', () => {
    expect(only(previewImport(read('sato-hanako'), 'sato-hanako.vcf'))).toMatchObject({
      name: '佐藤 花子',
      kana: 'サトウ ハナコ', // X-PHONETIC-* wins over SORT-AS
      numbers: [
        { label: '会社', number: '+81 3 1234 5678' },
        { label: '携帯', number: '+81-80-3333-4444' },
      ],
    });
  });

  it('suzuki-ichiro.vcf (3.0, folded base64 PNG photo)', () => {
    const contact = only(previewImport(read('suzuki-ichiro'), 'suzuki-ichiro.vcf'));
    expect(contact.numbers.map((n) => n.label)).toEqual(['自宅', '会社', '携帯']);
    expect(contact.photo).toMatch(/^data:image\/png;base64,iVBORw0KGgo[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(contact.photo?.split(',')[1] ?? '', 'base64').length).toBeGreaterThan(400);
  });

  it('all three in one file, in order, each counted', () => {
    const text = ['yamada-taro', 'sato-hanako', 'suzuki-ichiro'].map((name) => read(name).toString('utf8')).join('');
    const preview = vcf(text);
    expect(preview).toMatchObject({ format: 'vcard', encoding: 'utf-8', totalRows: 3, rejected: [], ignoredColumns: [] });
    expect(preview.contacts.map((c) => c.name)).toEqual(['山田 太郎', '佐藤 花子', '鈴木 一郎']);
  });
});

describe('vCard import: fields', () => {
  it('kana: X-PHONETIC-* first, then N;SORT-AS, then SORT-STRING', () => {
    expect(only(vcf(card('FN:A', 'SORT-STRING:そーと', 'X-PHONETIC-FIRST-NAME:めい')))).toMatchObject({ kana: 'めい' });
    expect(only(vcf(card4('FN:A', 'N;SORT-AS="せい,めい":姓;名;;;', 'SORT-STRING:x')))).toMatchObject({ kana: 'せい めい' });
    expect(only(vcf(card('FN:A', 'SORT-STRING:すずき いちろう')))).toMatchObject({ kana: 'すずき いちろう' });
  });

  it('name from N (family given) when FN is missing or empty; neither → missing-name', () => {
    expect(only(vcf(card('N:山田;太郎;;;')))).toMatchObject({ name: '山田 太郎' });
    expect(only(vcf(card('FN:', 'N:;太郎;;;')))).toMatchObject({ name: '太郎' });
    expect(vcf(card('TEL:03')).rejected).toEqual([{ line: 1, reason: 'missing-name', detail: expect.any(String) }]);
  });

  it('ORG is company;department, further units joined into the department; escapes honoured', () => {
    expect(only(vcf(card('FN:A', 'ORG:ラボ\\;商事;営業部;第①課')))).toMatchObject({ company: 'ラボ;商事', department: '営業部 第①課' });
    expect(only(vcf(card('FN:A', 'ORG:;総務部')))).toMatchObject({ company: '', department: '総務部' });
  });

  it('TEL labels from TYPE in every spelling (list, repeated, quoted, bare 2.1-style)', () => {
    const contact = only(
      vcf(
        card(
          'FN:A',
          'TEL;TYPE=WORK,VOICE:1',
          'TEL;TYPE=cell;TYPE=pref:2',
          'TEL;TYPE="home,voice":3',
          'TEL;WORK;FAX:4',
          'TEL;CELL:5',
          'TEL;TYPE=VOICE:6',
          'TEL:7',
          'TEL;TYPE=iPhone:8',
          'TEL;TYPE=pager:9',
        ),
      ),
    );
    expect(contact.numbers.map((n) => n.label)).toEqual(['会社', '携帯', '自宅', 'FAX', '携帯', '電話', '電話', '携帯', '電話']);
  });

  it("Apple's grouped X-ABLabel overrides TYPE; its built-in names are translated", () => {
    const contact = only(
      vcf(card('FN:A', 'item1.TEL;TYPE=pref:100', 'item1.X-ABLabel:内線', 'ITEM2.TEL:200', 'item2.X-ABLABEL:_$!<Mobile>!$_', 'item3.TEL:300', 'item3.X-ABLabel:_$!<Pager>!$_')),
    );
    expect(contact.numbers).toEqual([
      { label: '内線', number: '100' },
      { label: '携帯', number: '200' },
      { label: 'Pager', number: '300' },
    ]);
  });

  it('VALUE=uri tel: numbers lose the scheme; sip: URIs stay; tel: parameters make the number invalid', () => {
    expect(only(vcf(card4('FN:A', 'TEL;VALUE=uri;TYPE=cell:tel:+81-80-3333-4444', 'TEL;VALUE=uri:sip:200@pbx.example.jp', 'TEL:tel:03-1234')))).toMatchObject({
      numbers: [
        { label: '携帯', number: '+81-80-3333-4444' },
        { label: '電話', number: 'sip:200@pbx.example.jp' },
        { label: '電話', number: '03-1234' },
      ],
    });
    expect(vcf(card4('FN:A', 'TEL;VALUE=uri:tel:+81-3-1234-5678;ext=123')).rejected).toEqual([{ line: 1, reason: 'invalid-number', detail: expect.stringContaining('ext=123') }]);
  });

  it('EMAIL: the preferred one (PREF=1 in 4.0, TYPE=pref in 3.0), else the first', () => {
    expect(only(vcf(card4('FN:A', 'EMAIL;PREF=2:b@example.jp', 'EMAIL;PREF=1:a@example.jp')))).toMatchObject({ email: 'a@example.jp' });
    expect(only(vcf(card('FN:A', 'EMAIL:b@example.jp', 'EMAIL;TYPE=INTERNET,PREF:a@example.jp')))).toMatchObject({ email: 'a@example.jp' });
    expect(only(vcf(card('FN:A', 'EMAIL:first@example.jp', 'EMAIL:second@example.jp')))).toMatchObject({ email: 'first@example.jp' });
  });

  it('NOTE unescapes \\n \\, \\; \\\\', () => {
    expect(only(vcf(card('FN:A', 'NOTE:一行目\\n二行目\\, 三\\; 四 \\\\ 五')))).toMatchObject({ notes: '一行目\n二行目, 三; 四 \\ 五' });
  });

  it('favourite round-trips through X-TSUNAGU-FAVOURITE', () => {
    expect(only(vcf(card('FN:A', 'X-TSUNAGU-FAVOURITE:1'))).favourite).toBe(true);
    expect(only(vcf(card('FN:A'))).favourite).toBe(false);
  });

  it('unfolds lines folded with a space or a tab, even inside a multi-byte character sequence', () => {
    expect(only(vcf('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:山田\r\n  太郎\r\nNOTE:a\r\n\tb\r\nEND:VCARD\r\n'))).toMatchObject({ name: '山田 太郎', notes: 'ab' });
  });

  it('accepts LF-only files and lower-case keywords', () => {
    expect(only(vcf('begin:vcard\nversion:4.0\nfn:A\ntel;type=cell:090\nend:vcard\n'))).toMatchObject({ name: 'A', numbers: [{ label: '携帯', number: '090' }] });
  });

  it('RFC 6868 caret escapes in parameters', () => {
    expect(only(vcf(card4('FN:A', 'N;SORT-AS="^\'よ^\'":A;;;;')))).toMatchObject({ kana: '"よ"' });
  });
});

describe('vCard import: photos', () => {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  it('3.0 ENCODING=b and 4.0 data: URIs become data URLs', () => {
    expect(only(vcf(card('FN:A', `PHOTO;ENCODING=b;TYPE=PNG:${PNG_1PX}`))).photo).toBe(`data:image/png;base64,${PNG_1PX}`);
    expect(only(vcf(card('FN:A', `PHOTO;ENCODING=BASE64;TYPE=JPEG:${b64(JPEG_BYTES)}`))).photo).toBe(`data:image/jpeg;base64,${b64(JPEG_BYTES)}`);
    expect(only(vcf(card4('FN:A', `PHOTO:data:image/png;base64,${PNG_1PX}`))).photo).toBe(`data:image/png;base64,${PNG_1PX}`);
  });

  it('the bytes decide the type, not the TYPE parameter', () => {
    expect(only(vcf(card('FN:A', `PHOTO;ENCODING=b;TYPE=PNG:${b64(JPEG_BYTES)}`))).photo).toMatch(/^data:image\/jpeg;/);
  });

  it.each([
    ['a GIF', card('FN:A', `PHOTO;ENCODING=b;TYPE=GIF:${b64(Buffer.from('GIF89a\x01\x00\x01\x00'))}`)],
    ['a URL (never fetched)', card('FN:A', 'PHOTO;VALUE=uri:https://example.jp/a.png')],
    ['not base64', card('FN:A', 'PHOTO;ENCODING=b;TYPE=PNG:@@@notbase64@@@')],
    ['an SVG data URI', card4('FN:A', `PHOTO:data:image/svg+xml;base64,${b64(Buffer.from('<svg/>'))}`)],
    ['over 200 KB', card('FN:A', `PHOTO;ENCODING=b;TYPE=PNG:${b64(new Uint8Array(MAX_PHOTO_BYTES + 1).fill(0x89, 0, 1))}`)],
  ])('%s is dropped; the contact is still imported', (_, text) => {
    expect(only(vcf(text))).toMatchObject({ name: 'A', photo: null });
  });

  it('exactly 200 KB is kept', () => {
    const bytes = new Uint8Array(MAX_PHOTO_BYTES);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(only(vcf(card4('FN:A', `PHOTO:data:image/png;base64,${b64(bytes)}`))).photo?.length).toBeGreaterThan(270_000);
  });
});

describe('vCard import: malformed cards are rejected one by one, at their BEGIN line', () => {
  it('a bad content line, a missing END, a 2.1 card, stray text; the good cards import', () => {
    const text = [
      card('FN:Good 1'), // lines 1-4
      card('FN:Broken', 'this line has no colon'), // 5-9
      card('FN:Good 2'), // 10-13
      'BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=83=65\r\nEND:VCARD\r\n', // 14-17
      'garbage between cards\r\n', // 18
      card('FN:Bad param', 'TEL;=x:1'), // 19-23
      card('FN:Good 3'), // 24-27
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Unfinished\r\n', // 28-30
    ].join('');
    const preview = vcf(text);
    expect(preview.contacts.map((c) => c.name)).toEqual(['Good 1', 'Good 2', 'Good 3']);
    expect(preview.rejected).toEqual([
      { line: 5, reason: 'malformed-card', detail: 'line 8: "this line has no colon"' },
      { line: 14, reason: 'unsupported-version', detail: '2.1' },
      { line: 18, reason: 'malformed-card', detail: expect.stringContaining('garbage') },
      { line: 19, reason: 'malformed-card', detail: expect.stringContaining('TEL;=x:1') },
      { line: 28, reason: 'malformed-card', detail: 'END:VCARD missing' },
    ]);
    expect(preview.totalRows).toBe(8);
  });

  it('a BEGIN inside a card ends the unfinished one', () => {
    const preview = vcf(`BEGIN:VCARD\r\nFN:Lost\r\n${card('FN:Next')}`);
    expect(preview.contacts.map((c) => c.name)).toEqual(['Next']);
    expect(preview.rejected).toEqual([{ line: 1, reason: 'malformed-card', detail: 'END:VCARD missing' }]);
  });

  it('over ten numbers, a bad email: rejected with the schema reason', () => {
    const tels = Array.from({ length: 11 }, (_, i) => `TEL:${i}`);
    expect(vcf(card('FN:A', ...tels)).rejected[0]?.reason).toBe('too-many-numbers');
    expect(vcf(card('FN:A', 'EMAIL:nope')).rejected[0]?.reason).toBe('invalid-email');
  });

  it('a vCard in a .csv or .txt file is still read as a vCard', () => {
    expect(vcf(card('FN:A'), 'export.txt').format).toBe('vcard');
    expect(vcf(`\r\n\r\n${card('FN:A')}`, 'export.csv').contacts).toHaveLength(1);
  });
});

describe('vCard export', () => {
  const contact: ContactInput = {
    name: '山田 太郎',
    kana: 'やまだ たろう',
    company: 'ラボ;商事',
    department: '営業部',
    numbers: [
      { label: '会社', number: '03-1234-5678' },
      { label: '携帯', number: '090-1111-2222' },
      { label: '内線', number: '1234' },
      { label: 'FAX', number: '03-1234-5679' },
      { label: '電話', number: 'sip:200@pbx.example.jp' },
    ],
    email: 'taro@example.jp',
    notes: '一行目\n二行目, 三',
    favourite: true,
    photo: `data:image/png;base64,${PNG_1PX}`,
  };
  const text = (version: '3.0' | '4.0') => new TextDecoder().decode(exportVcard([contact], version));
  const unfolded = (version: '3.0' | '4.0') => text(version).replaceAll('\r\n ', '');

  it('3.0', () => {
    expect(text('3.0').split('\r\n')).toEqual([
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:山田 太郎',
      'N:山田;太郎;;;',
      'X-PHONETIC-LAST-NAME:やまだ',
      'X-PHONETIC-FIRST-NAME:たろう',
      'SORT-STRING:やまだ たろう',
      'ORG:ラボ\\;商事;営業部',
      'TEL;TYPE=WORK:03-1234-5678',
      'TEL;TYPE=CELL:090-1111-2222',
      'item1.TEL:1234',
      'item1.X-ABLabel:内線',
      'TEL;TYPE=FAX:03-1234-5679',
      'TEL;TYPE=VOICE:sip:200@pbx.example.jp',
      'EMAIL;TYPE=INTERNET:taro@example.jp',
      'NOTE:一行目\\n二行目\\, 三',
      `PHOTO;ENCODING=b;TYPE=PNG:${PNG_1PX.slice(0, 49)}`,
      ` ${PNG_1PX.slice(49)}`,
      'X-TSUNAGU-FAVOURITE:1',
      'END:VCARD',
      '',
    ]);
  });

  it('4.0', () => {
    const lines = unfolded('4.0').split('\r\n');
    expect(lines).toContain('N;SORT-AS="やまだ,たろう":山田;太郎;;;');
    expect(lines).toContain('TEL;TYPE=work:03-1234-5678');
    expect(lines).toContain('TEL;TYPE=voice;VALUE=uri:sip:200@pbx.example.jp');
    expect(lines).toContain('EMAIL:taro@example.jp');
    expect(lines).toContain(`PHOTO:data:image/png;base64,${PNG_1PX}`);
    expect(lines).not.toContain('SORT-STRING:やまだ たろう');
  });

  it('folds at 75 octets without splitting a character', () => {
    const long = { ...contact, notes: '髙'.repeat(100) + '😀'.repeat(30) };
    for (const version of ['3.0', '4.0'] as const) {
      const bytes = exportVcard([long], version);
      for (const line of new TextDecoder().decode(bytes).split('\r\n')) {
        expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
        expect(line).not.toMatch(/[\uD800-\uDBFF]$|^ ?[\uDC00-\uDFFF]/);
      }
      expect(previewImport(bytes, 'a.vcf').contacts[0]?.notes).toBe(long.notes);
    }
  });

  it.each(['3.0', '4.0'] as const)('round trip %s: export → import gives the same contacts', (version) => {
    fc.assert(
      fc.property(fc.array(contactArbitrary({ charset: 'unicode', notesWithCr: false, photos: true }), { maxLength: 5 }), (contacts) => {
        const preview = previewImport(exportVcard(contacts, version), 'export.vcf');
        expect(preview.rejected).toEqual([]);
        expect(preview).toMatchObject({ format: 'vcard', encoding: 'utf-8', totalRows: contacts.length });
        expect(preview.contacts).toEqual(contacts);
      }),
      { numRuns: 300 },
    );
  });

  it('a CR in a note comes back as LF (vCard escapes every line break as \\n)', () => {
    const bytes = exportVcard([{ ...contact, notes: 'a\r\nb\rc' }], '4.0');
    expect(previewImport(bytes, 'a.vcf').contacts[0]?.notes).toBe('a\nb\nc');
  });

  it.each(['3.0', '4.0'] as const)('%s output is valid to an independent parser (ical.js): same cards, names, numbers', (version) => {
    fc.assert(
      fc.property(fc.array(contactArbitrary({ charset: 'unicode', notesWithCr: false, photos: true }), { minLength: 1, maxLength: 4 }), (contacts) => {
        const text = new TextDecoder().decode(exportVcard(contacts, version));
        const parsed: unknown = ICAL.parse(text);
        const cards = (contacts.length === 1 ? [parsed] : parsed) as unknown[];
        expect(cards).toHaveLength(contacts.length);
        cards.forEach((jcard, i) => {
          const component = new ICAL.Component(jcard as unknown[]);
          expect(component.getAllProperties('tel')).toHaveLength(contacts[i]?.numbers.length ?? -1);
          // ical.js leaves '\;' escaped in FN (see vcard-reader.ts); compare the rest exactly.
          if (!contacts[i]?.name.includes(';')) expect(component.getFirstPropertyValue('fn')).toBe(contacts[i]?.name);
        });
      }),
      { numRuns: 100 },
    );
  });
});
