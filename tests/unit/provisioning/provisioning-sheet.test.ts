import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountSettings } from '../../../src-preload/contract';
import { KNOWN_LABELS, MAX_SHEET_LENGTH, parseProvisioningSheet, type ProvisioningDraft, type ProvisioningResult } from '../../../src-main/provisioning';
import { labelKey } from '../../../src-main/provisioning/labels';

const FIXTURES = join(import.meta.dirname, '../../fixtures/provisioning');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const EMPTY_ACCOUNT = { authorizationUser: '', outboundProxy: '', displayName: '', serviceCode: '' };

function draftOf(text: string): ProvisioningDraft {
  const result = parseProvisioningSheet(text);
  if (!result.ok) throw new Error(`expected a draft, got ${JSON.stringify(result)}`);
  expect(AccountSettings.safeParse(result.draft.account).success).toBe(true);
  return result.draft;
}

function refusalOf(text: string): Omit<Extract<ProvisioningResult, { ok: false }>, 'ok'> {
  const result = parseProvisioningSheet(text);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  const { ok: _ok, ...rest } = result;
  return rest;
}

describe('provisioning sheet: realistic samples', () => {
  it('an NTT-style ご利用内容のご案内 (full-width colons, spaces and digits, 【】 sections, notes)', () => {
    expect(draftOf(fixture('ntt-goriyou-naiyou.txt'))).toEqual({
      account: {
        ...EMPTY_ACCOUNT,
        user: '201',
        domain: 'pbx01.hikari-cloud.example.ne.jp',
        wsServer: 'wss://pbx01.hikari-cloud.example.ne.jp:5061/ws',
        displayName: '受付1',
        serviceCode: 'SC-0042',
      },
      password: 'kT7#pQ2!vX9m',
      derived: ['wsServer'],
      ignoredLabels: ['お客様ID', 'ご契約者名', 'お問い合わせ'],
    });
  });

  it('a portal table copied with tabs (two and four columns)', () => {
    expect(draftOf(fixture('portal-table-tabs.txt'))).toEqual({
      account: {
        user: '0501234567',
        authorizationUser: 'auth-0501234567',
        domain: 'sip.cloudpbx.example.com',
        wsServer: 'wss://ws.cloudpbx.example.com:8443/sip',
        outboundProxy: 'sips:edge.cloudpbx.example.com:5061',
        displayName: '営業部 佐藤',
        serviceCode: 'tn-8812',
      },
      password: 'Zq9+Lm/4=Wx',
      derived: [],
      ignoredLabels: ['項目', '発信者番号'],
    });
  });

  it('a full-width PDF copy: ［］ labels with the value on the next line, bullets; the password is not folded', () => {
    expect(draftOf(fixture('fullwidth-pdf-copy.txt'))).toEqual({
      account: { ...EMPTY_ACCOUNT, user: 'yamada.taro', authorizationUser: 'yamada.taro', domain: 'sip.example.jp', wsServer: 'wss://sip.example.jp/ws', displayName: '山田 太郎' },
      password: 'Ｐａｓｓ＃１２３！ｗｏｒｄ',
      derived: ['wsServer'],
      ignoredLabels: [],
    });
  });

  it('an English welcome mail: user@domain, a given WebSocket URL, and a label that only starts like one of ours', () => {
    expect(draftOf(fixture('english-welcome.txt'))).toEqual({
      account: {
        user: '1001',
        authorizationUser: 'acme_1001',
        domain: 'voip.example.com',
        wsServer: 'wss://webrtc.example.com:7443/ws',
        outboundProxy: 'sips:edge.example.com:5061',
        displayName: 'Reception Desk',
        serviceCode: 'ACME-42',
      },
      password: 's3cr3t+P@ss:word',
      derived: [],
      ignoredLabels: ['Support', 'Account manager'],
    });
  });
});

describe('provisioning sheet: line shapes', () => {
  const server = '内線サーバアドレス：pbx.example.jp';
  it.each([
    ['端末ID：1001'],
    ['端末ID 1001'],
    ['端末ID:1001'],
    ['端末ID　　：　1001'],
    ['端末ID\t1001'],
    ['【端末ID】1001'],
    ['【端末ID】：1001'],
    ['［端末ＩＤ］　１００１'],
    ['[User ID] 1001'],
    ['・端末ID：1001'],
    ['■端末ID：1001'],
    ['● 端末ID：1001'],
    ['- User ID: 1001'],
    ['1. 端末ID：1001'],
    ['①端末ID：1001'],
    ['ＵＳＥＲ　ＩＤ：１００１'],
    ['user id = 1001'],
    ['内線番号：1001'],
    ['ユーザーID：1001'],
    ['ユーザID：1001'],
    ['ﾕｰｻﾞｰID：1001'],
    ['SIP ID：1001'],
    ['SIPユーザー名：1001'],
    ['アカウント：1001'],
    ['Extension: 1001'],
    ['SIP ID (内線番号): 1001'],
    ['端末ID（半角数字）：1001'],
    ['端末ID\n1001'],
    ['端末ID：\n\n1001'],
  ])('%j → user 1001', (line) => {
    expect(draftOf(`${line}\n${server}`).account.user).toBe('1001');
  });

  it.each([
    ['内線サーバアドレス: pbx.example.jp', 'pbx.example.jp', 'wss://pbx.example.jp/ws'],
    ['内線サーバアドレス：pbx.example.jp:5061', 'pbx.example.jp', 'wss://pbx.example.jp:5061/ws'],
    ['内線サーバアドレス　ｐｂｘ．ｅｘａｍｐｌｅ．ｊｐ：５０６１', 'pbx.example.jp', 'wss://pbx.example.jp:5061/ws'],
    ['内線サーバアドレス pbx.example.jp:5061', 'pbx.example.jp', 'wss://pbx.example.jp:5061/ws'],
    ['サーバーアドレス：PBX.Example.JP', 'pbx.example.jp', 'wss://pbx.example.jp/ws'],
    ['SIPサーバ：192.0.2.10', '192.0.2.10', 'wss://192.0.2.10/ws'],
    ['SIPサーバー：sip:pbx.example.jp', 'pbx.example.jp', 'wss://pbx.example.jp/ws'],
    ['SIP Server sips:pbx.example.jp:5061', 'pbx.example.jp', 'wss://pbx.example.jp:5061/ws'],
    ['SIPドメイン：pbx.example.jp', 'pbx.example.jp', 'wss://pbx.example.jp/ws'],
    ['ドメイン：pbx.example.jp', 'pbx.example.jp', 'wss://pbx.example.jp/ws'],
    ['レジストラ：pbx.example.jp', 'pbx.example.jp', 'wss://pbx.example.jp/ws'],
    ['Domain: pbx.example.jp', 'pbx.example.jp', 'wss://pbx.example.jp/ws'],
  ])('%j → domain %j, derived %j', (line, domain, wsServer) => {
    const draft = draftOf(`端末ID：1001\n${line}`);
    expect(draft.account).toMatchObject({ domain, wsServer });
    expect(draft.derived).toEqual(['wsServer']);
  });

  it('a server address that is itself the WebSocket URL gives both; its host is only the fallback domain', () => {
    expect(draftOf('端末ID：1001\n内線サーバアドレス：wss://gw.example.jp:8089/ws')).toMatchObject({
      account: { domain: 'gw.example.jp', wsServer: 'wss://gw.example.jp:8089/ws' },
      derived: ['domain'],
    });
    expect(draftOf('端末ID：1001\nSIPドメイン：example.jp\nサーバアドレス：wss://gw.example.jp/ws')).toMatchObject({
      account: { domain: 'example.jp', wsServer: 'wss://gw.example.jp/ws' },
      derived: [],
    });
    expect(draftOf('端末ID：1001\nサーバアドレス：wss://gw.example.jp/ws\nWSS URL：wss://gw.example.jp/ws').account.wsServer).toBe('wss://gw.example.jp/ws');
    expect(refusalOf('端末ID：1001\nサーバアドレス：wss://gw.example.jp/ws\nWSS URL：wss://other.example.jp/ws')).toEqual({ reason: 'conflict', field: 'wsServer' });
  });

  it('every field label, Japanese and English', () => {
    const text = [
      'SIP ID: 1001',
      '認証ID：auth1001',
      'SIPサーバー：pbx.example.jp',
      'WebSocketサーバ：wss://ws.example.jp/ws',
      '表示名：総務 鈴木',
      'アウトバウンドプロキシ：sip:proxy.example.jp;lr',
      'テナントID：T-01',
      '認証パスワード：secret',
    ].join('\n');
    expect(draftOf(text)).toEqual({
      account: {
        user: '1001',
        authorizationUser: 'auth1001',
        domain: 'pbx.example.jp',
        wsServer: 'wss://ws.example.jp/ws',
        outboundProxy: 'sip:proxy.example.jp;lr',
        displayName: '総務 鈴木',
        serviceCode: 'T-01',
      },
      password: 'secret',
      derived: [],
      ignoredLabels: [],
    });
    const english = [
      'User name: 1001',
      'Authorization user: a1',
      'SIP domain: pbx.example.jp',
      'WSS URL: wss://pbx.example.jp/ws',
      'Name: Kim',
      'Outbound proxy: sips:p.example.jp',
      'Contract ID: C9',
      'SIP password: pw',
    ];
    expect(draftOf(english.join('\r\n'))).toMatchObject({
      account: {
        user: '1001',
        authorizationUser: 'a1',
        domain: 'pbx.example.jp',
        wsServer: 'wss://pbx.example.jp/ws',
        outboundProxy: 'sips:p.example.jp',
        displayName: 'Kim',
        serviceCode: 'C9',
      },
      password: 'pw',
    });
  });

  it('a table copied across: a row of labels, then a row of values by column', () => {
    expect(draftOf('端末ID\tパスワード\t内線サーバアドレス\n1001\t\tpbx.example.jp')).toMatchObject({ account: { user: '1001', domain: 'pbx.example.jp' }, password: null });
    expect(draftOf('\t端末ID\tパスワード\tサーバ\n\t1001\tp w\tpbx.example.jp')).toMatchObject({ account: { user: '1001' }, password: 'p w' });
    // Two label cells are a label and its value: a user may be called "name".
    expect(draftOf('端末ID\tname\nドメイン\tpbx.example.jp').account.user).toBe('name');
  });

  it('a value made only of characters the label comparison ignores is still a value', () => {
    expect(draftOf('端末ID _\nドメイン：pbx.example.jp').account.user).toBe('_');
    expect(draftOf('端末ID：1001\nドメイン：pbx.example.jp\nパスワード . a').password).toBe('. a');
    expect(draftOf('端末ID：1001\nドメイン：pbx.example.jp\nパスワード (abc)\n次の行').password).toBe('(abc)');
  });

  it('user@domain in the user field', () => {
    expect(draftOf('端末ID：1001@pbx.example.jp').account).toMatchObject({ user: '1001', domain: 'pbx.example.jp' });
    expect(draftOf('SIP ID: sip:1001@PBX.example.jp').account).toMatchObject({ user: '1001', domain: 'pbx.example.jp' });
    expect(draftOf('端末ID：1001@pbx.example.jp\nドメイン：PBX.example.jp').account.domain).toBe('pbx.example.jp');
    expect(refusalOf('端末ID：1001@pbx.example.jp\nドメイン：other.example.jp')).toEqual({ reason: 'conflict', field: 'domain' });
  });

  it('the same value twice is fine; Unicode line separators and CR-only breaks split lines', () => {
    expect(draftOf('端末ID：1001\n内線番号：１００１\nドメイン：pbx.example.jp').account.user).toBe('1001');
    expect(draftOf('端末ID：1001\u2028ドメイン：pbx.example.jp\rパスワード：x').password).toBe('x');
  });

  it('unknown labels are listed (sanitised, at most 20 of at most 40 characters); lines that are not labels are not', () => {
    const unknown = Array.from({ length: 30 }, (_, i) => `項目${i}：値`);
    const draft = draftOf(['端末ID：1001', 'ドメイン：pbx.example.jp', ...unknown, 'お知らせ', 'https://example.jp/help', `${'長'.repeat(45)}：x`].join('\n'));
    expect(draft.ignoredLabels).toHaveLength(20);
    expect(draft.ignoredLabels.slice(0, 3)).toEqual(['項目0', '項目1', '項目2']);
    const withBidi = draftOf('端末ID：1001\nドメイン：pbx.example.jp\n\u202Eお客様\u200BID\u0007：x\n<b>ＨＴＭＬ：y\n' + `${'長'.repeat(45)}：x`);
    expect(withBidi.ignoredLabels).toEqual(['お客様ID', '<b>HTML', '長'.repeat(40)]);
  });
});

describe('provisioning sheet: passwords', () => {
  it.each([
    ['パスワード：Ｐａｓｓ＃１２３！', 'Ｐａｓｓ＃１２３！'],
    ['パスワード：  a b\u3000c  ', 'a b\u3000c'],
    ["パスワード：!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"],
    ['パスワード::abc', ':abc'],
    ['パスワード abc def', 'abc def'],
    ['Password abc: def', 'abc: def'],
    ['パスワード\n*-start', '*-start'],
    ['【パスワード】ｐａｓｓ１', 'ｐａｓｓ１'],
    ['パスワード：ﾊﾟｽﾜｰﾄﾞ①', 'ﾊﾟｽﾜｰﾄﾞ①'],
  ])('%j → %j verbatim', (line, password) => {
    expect(draftOf(`端末ID：1001\nドメイン：pbx.example.jp\n${line}`).password).toBe(password);
  });

  it('no password on the sheet is null, not empty', () => {
    expect(draftOf('端末ID：1001\nドメイン：pbx.example.jp\nパスワード：').password).toBeNull();
  });

  it('never appears in the ignored labels', () => {
    const draft = draftOf('端末ID：1001\nドメイン：pbx.example.jp\nパスワード：ID\nお客様ID：CAF1\n契約者：山田');
    expect(draft.password).toBe('ID');
    expect(draft.ignoredLabels).toEqual(['契約者']);
  });

  it('is not echoed in a refusal', () => {
    const result = parseProvisioningSheet('端末ID：1001\nドメイン：pbx.example.jp\nパスワード：hunter2\nパスワード：hunter3');
    expect(result).toEqual({ ok: false, reason: 'conflict', field: 'password' });
    expect(JSON.stringify(result)).not.toContain('hunter');
  });
});

describe('provisioning sheet: refusals', () => {
  it.each([
    ['', 'empty'],
    [' \n\t\u3000\r\n', 'empty'],
  ])('%j → %s', (text, reason) => {
    expect(refusalOf(text)).toEqual({ reason });
  });

  it('too large, before any other work', () => {
    expect(refusalOf(`端末ID：1001\nドメイン：pbx.example.jp\n${' '.repeat(MAX_SHEET_LENGTH)}`)).toEqual({ reason: 'too-large' });
    expect(refusalOf('\u0000'.repeat(MAX_SHEET_LENGTH + 1))).toEqual({ reason: 'too-large' });
    expect(parseProvisioningSheet(`端末ID：1001\nドメイン：pbx.example.jp${' '.repeat(MAX_SHEET_LENGTH - 40)}`).ok).toBe(true);
  });

  it.each([
    ['ご利用内容のご案内\nお客様ID：CAF1'],
    ['パスワード：abc\nドメイン：pbx.example.jp'],
    ['端末ID：1001\nパスワード：abc'],
    ['端末ID：1001\nWebSocket URL：wss://pbx.example.jp/ws'],
  ])('%j → no-account', (text) => {
    expect(refusalOf(text)).toEqual({ reason: 'no-account' });
  });

  it.each([
    ['端末ID：1001\n端末ID：1002\nドメイン：pbx.example.jp', 'user'],
    ['端末ID：1001\n内線番号：201\nドメイン：pbx.example.jp', 'user'],
    ['端末ID：1001\nドメイン：a.example.jp\nSIPサーバ：b.example.jp', 'domain'],
    ['端末ID：1001\nドメイン：a.example.jp\nドメイン：a.example.jp:5061', 'domain'],
    ['端末ID：1001\nドメイン：a.example.jp\n表示名：山田\n氏名：田中', 'displayName'],
  ])('%j → conflict on %s', (text, field) => {
    expect(refusalOf(text)).toEqual({ reason: 'conflict', field });
  });

  it.each([
    ['端末ID：10 01\nドメイン：pbx.example.jp', 'user', 'validation.sipUser'],
    ['端末ID：山田\nドメイン：pbx.example.jp', 'user', 'validation.sipUser'],
    [`端末ID：${'1'.repeat(65)}\nドメイン：pbx.example.jp`, 'user', 'validation.tooLong'],
    ['端末ID：@pbx.example.jp', 'user', 'validation.required'],
    ['端末ID：1001\nドメイン：pbx.example.jp\n認証ID：a b', 'authorizationUser', 'validation.sipUser'],
    ['端末ID：1001\nドメイン：pbx_example.jp', 'domain', 'validation.domain'],
    ['端末ID：1001\nドメイン：pbx.example.jp:70000', 'domain', 'validation.domain'],
    ['端末ID：1001\nドメイン：pbx.example.jp:', 'domain', 'validation.domain'],
    ['端末ID：1001\nドメイン：https://pbx.example.jp', 'domain', 'validation.domain'],
    ['端末ID：1001\nドメイン：pbx.example.jp\u200B', 'domain', 'validation.domain'],
    ['端末ID：1001\nドメイン：pbx.example.jp\nWebSocket URL：ws://pbx.example.jp/ws', 'wsServer', 'validation.wsServer'],
    ['端末ID：1001\nドメイン：pbx.example.jp\nWebSocket URL：wss://user:pw@pbx.example.jp/ws', 'wsServer', 'validation.wsServer'],
    ['端末ID：1001\nドメイン：wss://', 'wsServer', 'validation.wsServer'],
    ['端末ID：1001\nドメイン：pbx.example.jp\nアウトバウンドプロキシ：proxy.example.jp:5060', 'outboundProxy', 'validation.outboundProxy'],
    ['端末ID：1001\nドメイン：pbx.example.jp\n表示名：\u202Eevil', 'displayName', 'validation.controlChars'],
    ['端末ID：1001\nドメイン：pbx.example.jp\n表示名：a\u009Bb', 'displayName', 'validation.controlChars'],
    [`端末ID：1001\nドメイン：pbx.example.jp\n表示名：${'名'.repeat(65)}`, 'displayName', 'validation.tooLong'],
    ['端末ID：1001\nドメイン：pbx.example.jp\nサービスコード：SC\u200D1', 'serviceCode', 'validation.controlChars'],
    [`端末ID：1001\nドメイン：pbx.example.jp\nサービスコード：${'1'.repeat(33)}`, 'serviceCode', 'validation.tooLong'],
    [`端末ID：1001\nドメイン：pbx.example.jp\nパスワード：${'p'.repeat(257)}`, 'password', 'validation.tooLong'],
    ['端末ID：1001\nドメイン：pbx.example.jp\nパスワード：pass\u0000word', 'password', 'validation.controlChars'],
  ])('%j → invalid %s (%s)', (text, field, issue) => {
    expect(refusalOf(text)).toEqual({ reason: 'invalid-field', field, issue });
  });

  it('a hostile paste costs time linear in its size (long inner runs of spaces once took seconds)', () => {
    const started = performance.now();
    for (const text of ['a' + ' '.repeat(MAX_SHEET_LENGTH - 2) + 'b', 'パスワード' + '\u3000'.repeat(MAX_SHEET_LENGTH - 10) + ':', '端末ID\n' + ' '.repeat(MAX_SHEET_LENGTH - 20) + 'x']) {
      parseProvisioningSheet(text);
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a value is refused, never repaired: notes after it, quotes around it', () => {
    expect(refusalOf('端末ID：1001（内線）\nドメイン：pbx.example.jp')).toMatchObject({ reason: 'invalid-field', field: 'user' });
    expect(refusalOf('端末ID：「1001」\nドメイン：pbx.example.jp')).toMatchObject({ reason: 'invalid-field', field: 'user' });
  });
});

describe('label vocabulary', () => {
  it('no spelling names two fields', () => {
    const owner = new Map<string, string>();
    for (const [field, labels] of KNOWN_LABELS) {
      for (const label of labels) {
        const key = labelKey(label);
        expect(owner.get(key) ?? field, `${label} (${key})`).toBe(field);
        owner.set(key, field);
      }
    }
  });
});
