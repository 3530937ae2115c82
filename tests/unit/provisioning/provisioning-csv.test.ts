import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountSettings } from '../../../src-preload/contract';
import { MAX_CSV_LENGTH, MAX_CSV_ROWS, parseProvisioningCsv, type ProvisioningCsvRow } from '../../../src-main/provisioning';

const FIXTURES = join(import.meta.dirname, '../../fixtures/provisioning');
const EMPTY_ACCOUNT = { authorizationUser: '', outboundProxy: '', displayName: '', serviceCode: '' };

function rowsOf(text: string): ProvisioningCsvRow[] {
  const result = parseProvisioningCsv(text);
  if (!result.ok) throw new Error(`expected rows, got ${JSON.stringify(result)}`);
  for (const row of result.rows) if (row.ok) expect(AccountSettings.safeParse(row.draft.account).success).toBe(true);
  return result.rows;
}

describe('provisioning CSV: a portal export', () => {
  it('reads every row on its own: BOM, CRLF, quoted commas and quotes, a multi-line note, blank and broken rows', () => {
    const text = readFileSync(join(FIXTURES, 'portal-export.csv'), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const result = parseProvisioningCsv(text);
    const ignoredLabels = ['部署', '備考'];
    const accepted = (row: number, line: number, account: Pick<AccountSettings, 'user' | 'domain' | 'wsServer' | 'displayName'>, password: string | null, derived: string[]) => ({
      row,
      line,
      ok: true,
      draft: { account: { ...EMPTY_ACCOUNT, ...account }, password, derived, ignoredLabels },
    });
    expect(result).toEqual({
      ok: true,
      ignoredColumns: ignoredLabels,
      rows: [
        accepted(1, 2, { user: '201', domain: 'pbx.example.jp', wsServer: 'wss://pbx.example.jp/ws', displayName: '山田, 太郎' }, 'p@ss+word1', ['wsServer']),
        // The note spans lines 3–4.
        accepted(2, 3, { user: '202', domain: 'pbx.example.jp', wsServer: 'wss://ws.example.jp:8089/ws', displayName: '佐藤 花子' }, 'Q"uote,d!', []),
        { row: 3, line: 5, ok: false, reason: 'no-account' },
        accepted(4, 6, { user: '203', domain: 'pbx.example.jp', wsServer: 'wss://pbx.example.jp:5061/ws', displayName: '鈴木 一郎' }, null, ['wsServer']),
        { row: 5, line: 7, ok: false, reason: 'conflict', field: 'domain' },
        { row: 6, line: 8, ok: false, reason: 'invalid-field', field: 'wsServer', issue: 'validation.wsServer' },
        // The blank line 9 is skipped.
        accepted(7, 10, { user: '206', domain: 'pbx.example.jp', wsServer: 'wss://pbx.example.jp/ws', displayName: '伊藤' }, 'pw6', ['wsServer']),
      ],
    });
  });

  it('tab-separated, LF, English headers in any case and width, a title line above the header', () => {
    const text = [
      '内線一覧（2025/04/01 出力）',
      'ＵＳＥＲ　ＩＤ\tpassword\tSip Server\tDISPLAY NAME\tAuth ID\tTenant ID\tOutbound Proxy\tWSS URL',
      '1001\tＰａｓｓ\tpbx.example.jp:5061\t受付\ta1001\tT1\tsip:op.example.jp\t',
      '',
    ].join('\n');
    expect(rowsOf(text)).toEqual([
      {
        row: 1,
        line: 3,
        ok: true,
        draft: {
          account: {
            user: '1001',
            authorizationUser: 'a1001',
            domain: 'pbx.example.jp',
            wsServer: 'wss://pbx.example.jp:5061/ws',
            outboundProxy: 'sip:op.example.jp',
            displayName: '受付',
            serviceCode: 'T1',
          },
          password: 'Ｐａｓｓ',
          derived: ['wsServer'],
          ignoredLabels: [],
        },
      },
    ]);
  });

  it('missing cells read as empty, extra cells are ignored, user@domain needs no domain column', () => {
    expect(rowsOf('User ID,Password\r\n1001@pbx.example.jp\r\n1002@pbx.example.jp,pw,extra,cells')).toMatchObject([
      { row: 1, ok: true, draft: { account: { user: '1001', domain: 'pbx.example.jp' }, password: null } },
      { row: 2, ok: true, draft: { account: { user: '1002' }, password: 'pw' } },
    ]);
  });

  it('passwords are verbatim (no folding, no formula unescaping); other cells are folded', () => {
    expect(rowsOf('端末ID,パスワード,ドメイン\n１００１," =ａ+b\'c "\t,ＰＢＸ．example．jp')).toMatchObject([
      { ok: true, draft: { account: { user: '1001', domain: 'pbx.example.jp' }, password: "=ａ+b'c" } },
    ]);
  });

  it('two columns for one field must agree in each row', () => {
    expect(rowsOf('端末ID,内線番号,ドメイン\n1001,1001,pbx.example.jp\n1001,1002,pbx.example.jp\n1003,,pbx.example.jp')).toMatchObject([
      { row: 1, ok: true },
      { row: 2, ok: false, reason: 'conflict', field: 'user' },
      { row: 3, ok: true, draft: { account: { user: '1003' } } },
    ]);
  });

  it('a row with a quote left open, or a cell beyond the cap, is refused on its own', () => {
    expect(rowsOf(`端末ID,ドメイン,表示名\n1001,pbx.example.jp,ok\n1002,pbx.example.jp,${'x'.repeat(5000)}\n1003,pbx.example.jp,"open`)).toEqual([
      expect.objectContaining({ row: 1, ok: true }),
      { row: 2, line: 3, ok: false, reason: 'invalid-field', field: 'displayName', issue: 'validation.tooLong' },
      { row: 3, line: 4, ok: false, reason: 'malformed' },
    ]);
  });

  it('hostile display names are refused per row, and unknown headers are sanitised', () => {
    const result = parseProvisioningCsv('端末ID,ドメイン,表示名,"\u202Eevil\u0000 ＨＥＡＤＥＲ"\n1001,pbx.example.jp,\u202E山田,x');
    expect(result).toEqual({
      ok: true,
      ignoredColumns: ['evil HEADER'],
      rows: [{ row: 1, line: 2, ok: false, reason: 'invalid-field', field: 'displayName', issue: 'validation.controlChars' }],
    });
  });

  it('a password is never echoed as a column name', () => {
    const result = parseProvisioningCsv('端末ID,ドメイン,パスワード,secret-col\n1001,pbx.example.jp,secret');
    expect(result).toMatchObject({ ok: true, ignoredColumns: [], rows: [{ ok: true, draft: { password: 'secret', ignoredLabels: [] } }] });
  });
});

describe('provisioning CSV: refusals of the whole file', () => {
  it.each([
    ['', 'empty'],
    ['\uFEFF', 'empty'],
    ['\uFEFF \r\n\r\n', 'empty'],
    ['氏名,電話番号,メール\n山田,0312345678,a@example.jp', 'no-account'],
    ['端末ID,ドメイン\r\n', 'no-account'],
    ['端末ID,ドメイン\r\n,,\r\n', 'no-account'],
    ['"端末ID,ドメイン\n1001,pbx.example.jp', 'no-account'],
    ['端末ID,"ドメイン\n1001,pbx.example.jp', 'malformed'],
  ])('%j → %s', (text, reason) => {
    expect(parseProvisioningCsv(text)).toEqual({ ok: false, reason });
  });

  it('more than 1 MiB is refused before it is read', () => {
    expect(parseProvisioningCsv(`端末ID,ドメイン\n1001,pbx.example.jp\n${' '.repeat(MAX_CSV_LENGTH)}`)).toEqual({ ok: false, reason: 'too-large' });
  });

  it(`${MAX_CSV_ROWS} rows are read; one more refuses the file`, () => {
    const rows = (n: number) => ['端末ID,ドメイン', ...Array.from({ length: n }, (_, i) => `${1000 + i},pbx.example.jp`)].join('\n');
    const full = parseProvisioningCsv(rows(MAX_CSV_ROWS));
    expect(full.ok && full.rows.length).toBe(MAX_CSV_ROWS);
    expect(full.ok && full.rows.every((row) => row.ok)).toBe(true);
    expect(parseProvisioningCsv(rows(MAX_CSV_ROWS + 1))).toEqual({ ok: false, reason: 'too-large' });
  });
});
