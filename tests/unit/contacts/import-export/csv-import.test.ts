import { describe, expect, it } from 'vitest';
import { previewImport, type ImportPreview } from '../../../../src-main/contacts/import-export';
import { readCsvRecords } from '../../../../src-main/contacts/import-export/csv-reader';

const csv = (text: string, fileName = 'contacts.csv'): ImportPreview => previewImport(new TextEncoder().encode(text), fileName);

const contact = (fields: Partial<ImportPreview['contacts'][number]>) => ({
  name: '',
  kana: '',
  company: '',
  department: '',
  numbers: [],
  email: '',
  notes: '',
  favourite: false,
  photo: null,
  ...fields,
});

describe('CSV reader', () => {
  const read = (text: string, max = 100) => [...readCsvRecords(text, ',', max)];

  it('handles CRLF, LF and lone CR, and quoted cells spanning lines, with each record\'s first line', () => {
    const records = read('a,b\r\n"x\r\ny",z\n"p\rq",r\rlast,"q""uote"');
    expect(records.map((r) => [r.line, r.cells])).toEqual([
      [1, ['a', 'b']],
      [2, ['x\r\ny', 'z']],
      [4, ['p\rq', 'r']],
      [6, ['last', 'q"uote']],
    ]);
  });

  it('is lenient like Excel: quotes inside unquoted cells are literal, text after a closing quote is kept', () => {
    expect(read('ab"c,"de"f,g\n')[0]?.cells).toEqual(['ab"c', 'def', 'g']);
  });

  it('keeps empty cells, a trailing empty cell, and an empty line as one empty cell', () => {
    expect(read('a,,b,\n\n,\n').map((r) => r.cells)).toEqual([['a', '', 'b', ''], [''], ['', '']]);
  });

  it('flags an unterminated quote instead of throwing', () => {
    const records = read('a,b\n"open,c\nd,e\n');
    expect(records[1]).toMatchObject({ line: 2, unterminated: true });
    expect(records).toHaveLength(2);
  });

  it('drops the text of an over-long cell, quoted or not, and says which', () => {
    const long = 'x'.repeat(101);
    const records = read(`${long},ok\n"${long.replaceAll('x', '""')}",ok\n`);
    expect(records.map((r) => [r.cells, r.oversized])).toEqual([
      [['', 'ok'], [0]],
      [['', 'ok'], [0]],
    ]);
  });
});

describe('CSV import: header mapping', () => {
  it('maps Japanese headers, combining 姓+名 and セイ+メイ, numbers in the documented order', () => {
    const preview = csv(
      [
        'FAX,姓,名,セイ,メイ,会社,部署名,自宅,勤務先電話,内線,携帯電話,電話番号,メールアドレス,備考,お気に入り',
        "03-9,山田,太郎,ヤマダ,タロウ,ラボ商事,営業部,03-5,03-4,123,090-1,03-1,taro@example.jp,メモです,はい",
      ].join('\r\n'),
    );
    expect(preview.rejected).toEqual([]);
    expect(preview.contacts).toEqual([
      contact({
        name: '山田 太郎',
        kana: 'ヤマダ タロウ',
        company: 'ラボ商事',
        department: '営業部',
        numbers: [
          { label: '電話', number: '03-1' },
          { label: '携帯', number: '090-1' },
          { label: '内線', number: '123' },
          { label: '会社', number: '03-4' },
          { label: '自宅', number: '03-5' },
          { label: 'FAX', number: '03-9' },
        ],
        email: 'taro@example.jp',
        notes: 'メモです',
        favourite: true,
      }),
    ]);
  });

  it('maps English headers case- and space-insensitively, full-width too', () => {
    const preview = csv('  NAME ,Reading,COMPANY,Department,Phone,Mobile,Extension,Work,Home,ＦＡＸ,E-Mail,Notes,Favorite\nTaro Yamada,やまだ,Lab,Sales,1,2,3,4,5,6,t@example.jp,n,yes\n');
    expect(preview.contacts).toEqual([
      contact({
        name: 'Taro Yamada',
        kana: 'やまだ',
        company: 'Lab',
        department: 'Sales',
        numbers: ['電話', '携帯', '内線', '会社', '自宅', 'FAX'].map((label, i) => ({ label, number: String(i + 1) })),
        email: 't@example.jp',
        notes: 'n',
        favourite: true,
      }),
    ]);
  });

  it.each([
    ['氏名', 'ふりがな'],
    ['名前', 'よみ'],
    ['name', '読み'],
    ['Name', 'kana'],
  ])('%s / %s', (nameHeader, kanaHeader) => {
    expect(csv(`${nameHeader},${kanaHeader}\nA,a\n`).contacts).toEqual([contact({ name: 'A', kana: 'a' })]);
  });

  it('prefers 氏名 over 姓+名, and falls back to 姓+名 (or one of them) when 氏名 is empty', () => {
    const preview = csv('氏名,姓,名\n表示名,山田,太郎\n,山田,太郎\n,,太郎\n');
    expect(preview.contacts.map((c) => c.name)).toEqual(['表示名', '山田 太郎', '太郎']);
  });

  it('reports unknown columns and duplicate single-valued columns as ignored', () => {
    const preview = csv('氏名,誕生日,氏名,携帯,携帯,,Notes\nA,1990,B,090,080,x,n\n');
    expect(preview.ignoredColumns).toEqual(['誕生日', '氏名']);
    // Two 携帯 columns are two numbers; a blank header cell is not reported.
    expect(preview.contacts[0]).toMatchObject({ name: 'A', notes: 'n', numbers: [{ label: '携帯', number: '090' }, { label: '携帯', number: '080' }] });
  });

  it('reads numbered pairs (ours: 電話番号N/種別N; Google: Phone N - Value/Type) before single-number columns', () => {
    const preview = csv('氏名,携帯,電話番号2,種別2,電話番号1,種別1,Phone 3 - Type,Phone 3 - Value,TEL4\nA,090,03-2,自宅,03-1,,Other,03-3,03-4\n');
    expect(preview.contacts[0]?.numbers).toEqual([
      { label: '', number: '03-1' }, // the 種別 column is there and empty: the label is empty
      { label: '自宅', number: '03-2' },
      { label: 'Other', number: '03-3' },
      { label: '電話', number: '03-4' }, // no label column at all: a plain phone
      { label: '携帯', number: '090' },
    ]);
  });

  it("reads Google Contacts' CSV header", () => {
    const preview = csv(
      'Given Name,Family Name,Given Name Yomi,Family Name Yomi,Organization 1 - Name,Organization 1 - Department,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value\n' +
        '太郎,山田,たろう,やまだ,ラボ,営業,t@example.jp,Mobile,090\n',
    );
    expect(preview.ignoredColumns).toEqual([]);
    // 姓+名 and セイ+メイ columns are joined family first, whatever order the file has them in.
    expect(preview.contacts).toEqual([
      contact({ name: '山田 太郎', kana: 'やまだ たろう', company: 'ラボ', department: '営業', email: 't@example.jp', numbers: [{ label: 'Mobile', number: '090' }] }),
    ]);
  });

  it('rejects once, at the header, when no column can give a name', () => {
    const preview = csv('会社,電話\nLab,03\nLab2,04\n');
    expect(preview.rejected).toEqual([{ line: 1, reason: 'missing-name-column', detail: '会社, 電話' }]);
    expect(preview).toMatchObject({ contacts: [], totalRows: 2 });
  });

  it('a header-only file has no rows', () => {
    expect(csv('氏名,電話\r\n')).toMatchObject({ contacts: [], rejected: [], totalRows: 0 });
  });

  it('reads a tab-separated file saved as .csv', () => {
    expect(csv('氏名\t携帯\n山田\t090\n').contacts).toEqual([contact({ name: '山田', numbers: [{ label: '携帯', number: '090' }] })]);
  });

  it('our own export header is recognised column for column', () => {
    const header = '氏名,フリガナ,会社名,部署,電話番号1,種別1,電話番号2,種別2,メール,メモ,お気に入り';
    const preview = csv(`${header}\r\nA,a,C,D,'+81 3,会社,,,e@example.jp,m,1\r\n`);
    expect(preview.ignoredColumns).toEqual([]);
    expect(preview.contacts).toEqual([contact({ name: 'A', kana: 'a', company: 'C', department: 'D', numbers: [{ label: '会社', number: '+81 3' }], email: 'e@example.jp', notes: 'm', favourite: true })]);
  });
});

describe('CSV import: rows', () => {
  it('pads short rows, ignores extra cells, skips blank and all-empty lines (not counted)', () => {
    const preview = csv('氏名,携帯,メモ\n\nA\n,,\r\nB,090,memo,extra,cells\n   \n');
    expect(preview.contacts).toEqual([contact({ name: 'A' }), contact({ name: 'B', numbers: [{ label: '携帯', number: '090' }], notes: 'memo' })]);
    expect(preview.totalRows).toBe(2);
  });

  it('keeps line breaks and commas inside quoted notes, and counts lines right after them', () => {
    const preview = csv('氏名,メモ\r\nA,"一行目\r\n二行目, 三"\r\n,"x"\r\nC,\r\n');
    expect(preview.contacts.map((c) => [c.name, c.notes])).toEqual([
      ['A', '一行目\r\n二行目, 三'],
      ['C', ''],
    ]);
    expect(preview.rejected).toEqual([{ line: 4, reason: 'missing-name', detail: expect.stringContaining('name') }]);
  });

  it('rejects rows with a reason and the right line, importing the rest', () => {
    const preview = csv(
      [
        '氏名,電話,メール,お気に入り,フリガナ',
        'ok,03,,,',
        ',03,,,', // 2: no name
        'bad number,03-ABCD,,,', // 3
        'bad mail,,not-an-email,,', // 4
        'fav,,,maybe,', // 5
        `long kana,,,,${'あ'.repeat(129)}`, // 6
        '"tab\tname",,,,', // 7: control character in a name
      ].join('\n'),
    );
    expect(preview.contacts.map((c) => c.name)).toEqual(['ok']);
    expect(preview.rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'missing-name'],
      [4, 'invalid-number'],
      [5, 'invalid-email'],
      [6, 'invalid-favourite'],
      [7, 'field-too-long'],
      [8, 'control-characters'],
    ]);
    expect(preview.rejected[1]?.detail).toContain('03-ABCD');
    expect(preview.totalRows).toBe(7);
  });

  it('rejects more than ten numbers rather than dropping some', () => {
    const header = Array.from({ length: 11 }, (_, i) => `電話番号${i + 1}`).join(',');
    const preview = csv(`氏名,${header}\nA,${Array.from({ length: 11 }, (_, i) => i).join(',')}\n`);
    expect(preview.rejected).toEqual([{ line: 2, reason: 'too-many-numbers', detail: expect.any(String) }]);
  });

  it.each([
    ['1', true],
    ['TRUE', true],
    ['yes', true],
    ['はい', true],
    ['○', true],
    ['◯', true],
    ['１', true],
    ['', false],
    ['0', false],
    ['false', false],
    ['いいえ', false],
    ['×', false],
  ])('お気に入り %j → %s', (cell, expected) => {
    expect(csv(`氏名,お気に入り\nA,${cell}\n`).contacts[0]?.favourite).toBe(expected);
  });

  it('strips exactly one leading apostrophe from number cells (Excel text marker, our export)', () => {
    const preview = csv("氏名,電話番号1,電話番号2,電話番号3\nA,'+81 3 1234 5678,'0312345678,''03\n");
    expect(preview.rejected[0]?.reason).toBe('invalid-number'); // ''03: one apostrophe too many
    const ok = csv("氏名,電話番号1,電話番号2\nA,'+81 3 1234 5678,'0312345678\n");
    expect(ok.contacts[0]?.numbers.map((n) => n.number)).toEqual(['+81 3 1234 5678', '0312345678']);
  });

  it('undoes formula escaping on text cells only where export would have added it', () => {
    const preview = csv("氏名,メモ,会社\n'=1+1,'@SUM(A1),'not escaped\n''=x,'\t,''\n");
    expect(preview.contacts.map((c) => [c.name, c.notes, c.company])).toEqual([
      ['=1+1', '@SUM(A1)', "'not escaped"],
      ["'=x", '\t', "''"],
    ]);
  });

  it('rejects an unterminated quote once, where it starts; rows before it import', () => {
    const preview = csv('氏名,メモ\nA,ok\nB,"never closed\nC,x\nD,y\n');
    expect(preview.contacts.map((c) => c.name)).toEqual(['A']);
    expect(preview.rejected).toEqual([{ line: 3, reason: 'unterminated-quote', detail: expect.any(String) }]);
    expect(preview.totalRows).toBe(2);
  });
});

describe('CSV import: a 10 MB cell', () => {
  const big = 'あ'.repeat(10 * 1024 * 1024);

  it.each([
    ['unquoted', big],
    ['quoted, with doubled quotes', `"${big.slice(0, 5_000_000)}""${big.slice(0, 5_000_000)}"`],
  ])('%s: rejects that row as field-too-long, keeps the others', (_, cell) => {
    const started = performance.now();
    const preview = csv(`氏名,メモ\r\nbefore,1\r\nhuge,${cell}\r\nafter,2\r\n`);
    const elapsed = performance.now() - started;
    console.log(`10 MB cell: ${elapsed.toFixed(0)} ms`);
    expect(preview.contacts.map((c) => c.name)).toEqual(['before', 'after']);
    expect(preview.rejected).toEqual([{ line: 3, reason: 'field-too-long', detail: 'メモ' }]);
  });

  it('in a column nobody reads, the row still imports', () => {
    const preview = csv(`氏名,社内コード\r\nA,${'x'.repeat(10 * 1024 * 1024)}\r\n`);
    expect(preview.contacts.map((c) => c.name)).toEqual(['A']);
  });
});
