import { describe, expect, it } from 'vitest';
import { AccountSettings } from '../../../src-preload/contract';
import { isProvisioningLink, MAX_LINK_LENGTH, parseProvisioningLink, type ProvisioningDraft, type ProvisioningResult } from '../../../src-main/provisioning';

const BASE = 'tsunagu://provision?user=1001&domain=pbx.example.jp';

function draftOf(link: string): ProvisioningDraft {
  const result = parseProvisioningLink(link);
  if (!result.ok) throw new Error(`expected a draft, got ${JSON.stringify(result)}`);
  expect(AccountSettings.safeParse(result.draft.account).success).toBe(true);
  return result.draft;
}

function refusalOf(link: string): Omit<Extract<ProvisioningResult, { ok: false }>, 'ok'> {
  const result = parseProvisioningLink(link);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  const { ok: _ok, ...rest } = result;
  return rest;
}

describe('provisioning link', () => {
  it('reads every key', () => {
    const link =
      'tsunagu://provision?user=1001&domain=pbx.example.jp&ws=wss%3A%2F%2Fpbx.example.jp%3A8089%2Fws&name=%E5%8F%97%E4%BB%98%20%E5%B1%B1%E7%94%B0' +
      '&auth=a1001&proxy=sips%3Aedge.example.jp%3A5061&service=SC-42&password=p%26ss%3Dw%25rd';
    expect(draftOf(link)).toEqual({
      account: {
        user: '1001',
        authorizationUser: 'a1001',
        domain: 'pbx.example.jp',
        wsServer: 'wss://pbx.example.jp:8089/ws',
        outboundProxy: 'sips:edge.example.jp:5061',
        displayName: '受付 山田',
        serviceCode: 'SC-42',
      },
      password: 'p&ss=w%rd',
      derived: [],
      ignoredLabels: [],
    });
  });

  it.each([
    [BASE],
    ['tsunagu:provision?user=1001&domain=pbx.example.jp'],
    ['tsunagu://provision/?user=1001&domain=pbx.example.jp'],
    ['tsunagu:provision/?user=1001&domain=pbx.example.jp'],
    ['TSUNAGU://PROVISION?user=1001&domain=pbx.example.jp'],
    [`  ${BASE}\n`],
    [`${BASE}&`],
    ['tsunagu://provision?&user=1001&&domain=pbx.example.jp&'],
    ['tsunagu://provision?user=%31%30%30%31&domain=PBX.example.jp'],
    ['tsunagu://provision?user=１００１&domain=pbx.example.jp'],
    ['tsunagu://provision?user=1001%40pbx.example.jp'],
  ])('%j → 1001@pbx.example.jp, derived wsServer', (link) => {
    expect(draftOf(link)).toMatchObject({ account: { user: '1001', domain: 'pbx.example.jp', wsServer: 'wss://pbx.example.jp/ws' }, derived: ['wsServer'], password: null });
  });

  it('`+` stays a plus (RFC 3986, not form encoding); %2B and %20 decode', () => {
    expect(draftOf('tsunagu://provision?user=+81312345678&domain=pbx.example.jp&password=a+b')).toMatchObject({ account: { user: '+81312345678' }, password: 'a+b' });
    expect(draftOf(`${BASE}&password=a%2Bb%20c&name=a+b`)).toMatchObject({ account: { displayName: 'a+b' }, password: 'a+b c' });
  });

  it('the password is verbatim: full-width characters and symbols are not folded', () => {
    expect(draftOf(`${BASE}&password=${encodeURIComponent('Ｐａｓｓ＃１２３！ *\'()~')}`).password).toBe('Ｐａｓｓ＃１２３！ *\'()~');
    expect(draftOf(`${BASE}&password=%E3%83%91%E3%82%B9`).password).toBe('パス');
  });

  it('a WebSocket URL as domain gives both; the port of a domain goes to the derived URL', () => {
    expect(draftOf('tsunagu://provision?user=1001&domain=wss%3A%2F%2Fgw.example.jp%2Fws')).toMatchObject({
      account: { domain: 'gw.example.jp', wsServer: 'wss://gw.example.jp/ws' },
      derived: ['domain'],
    });
    expect(draftOf('tsunagu://provision?user=1001&domain=pbx.example.jp:5061').account.wsServer).toBe('wss://pbx.example.jp:5061/ws');
  });

  it('an empty value counts as absent', () => {
    expect(draftOf(`${BASE}&name=&password=`)).toMatchObject({ account: { displayName: '' }, password: null });
  });
});

describe('provisioning link: refusals', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    [`${BASE}&user=1002`, 'malformed'],
    [`${BASE}&user=1001`, 'malformed'],
    [`${BASE}&password=a&password=a`, 'malformed'],
    [`${BASE}&%75ser=1002`, 'malformed'],
    [`${BASE}&name`, 'accepted'],
    [`${BASE}&name&name`, 'malformed'],
    [`${BASE}&evil=1`, 'unknown-parameter'],
    [`${BASE}&User=1002`, 'unknown-parameter'],
    [`${BASE}&transport=tcp`, 'unknown-parameter'],
    [`${BASE}&ws%00=x`, 'malformed'],
    [`${BASE}&name=a%0d%0aVia:%20evil`, 'malformed'],
    [`${BASE}&evil=%0d%0a`, 'malformed'],
    [`${BASE}&name=%E2%80%AEevil`, 'malformed'],
    [`${BASE}&name=a%E2%80%8Bb`, 'malformed'],
    [`${BASE}&name=%EF%BB%BFx`, 'malformed'],
    [`${BASE}&name=%ED%A0%80`, 'malformed'],
    [`${BASE}&name=%C0%AF`, 'malformed'],
    [`${BASE}&name=%E3%81`, 'malformed'],
    [`${BASE}&name=%zz`, 'malformed'],
    [`${BASE}&name=100%`, 'malformed'],
    [`${BASE}&name=a\u202Eb`, 'malformed'],
    [`${BASE}&name=a\u0000b`, 'malformed'],
    [`${BASE}&name=a\ud800b`, 'malformed'],
    [`${BASE}&name=a\u2028b`, 'malformed'],
    [`${BASE}&name=a b`, 'malformed'],
    [`${BASE}&name=<script>`, 'malformed'],
    [`${BASE}#fragment`, 'malformed'],
    ['tsunagu://provision/extra?user=1001&domain=pbx.example.jp', 'malformed'],
    ['tsunagu://dial?number=1001', 'malformed'],
    ['https://provision?user=1001&domain=pbx.example.jp', 'malformed'],
    ['tsunagu://provisioning?user=1001&domain=pbx.example.jp', 'malformed'],
    ['tsunagu://provision', 'no-account'],
    ['tsunagu://provision?user=1001', 'no-account'],
    ['tsunagu://provision?domain=pbx.example.jp&password=x', 'no-account'],
  ])('%j → %s', (link, reason) => {
    const result = parseProvisioningLink(link);
    expect(result.ok ? 'accepted' : result.reason).toBe(reason);
  });

  it.each([
    [`${BASE}&ws=ws%3A%2F%2Fpbx.example.jp%2Fws`, 'wsServer', 'validation.wsServer'],
    [`${BASE}&ws=https%3A%2F%2Fpbx.example.jp%2Fws`, 'wsServer', 'validation.wsServer'],
    [`${BASE}&proxy=proxy.example.jp`, 'outboundProxy', 'validation.outboundProxy'],
    [`${BASE}&auth=a%20b`, 'authorizationUser', 'validation.sipUser'],
    [`${BASE}&service=${'1'.repeat(33)}`, 'serviceCode', 'validation.tooLong'],
    [`${BASE}&password=${'p'.repeat(257)}`, 'password', 'validation.tooLong'],
    ['tsunagu://provision?user=1001&domain=pbx.example.jp%2Fevil', 'domain', 'validation.domain'],
    ['tsunagu://provision?user=10%2001&domain=pbx.example.jp', 'user', 'validation.sipUser'],
  ])('%j → invalid %s', (link, field, issue) => {
    expect(refusalOf(link)).toEqual({ reason: 'invalid-field', field, issue });
  });

  it('is capped at 4096 characters before anything else', () => {
    const padded = (n: number) => `${BASE}&name=${'a'.repeat(n - BASE.length - 6)}`;
    expect(padded(MAX_LINK_LENGTH)).toHaveLength(MAX_LINK_LENGTH);
    expect(refusalOf(padded(MAX_LINK_LENGTH))).toMatchObject({ reason: 'invalid-field', field: 'displayName' });
    expect(refusalOf(padded(MAX_LINK_LENGTH + 1))).toEqual({ reason: 'too-large' });
    expect(refusalOf(`${'\u0000'.repeat(MAX_LINK_LENGTH + 1)}`)).toEqual({ reason: 'too-large' });
  });

  it('never echoes the password', () => {
    const result = parseProvisioningLink('tsunagu://provision?user=10%2001&domain=pbx.example.jp&password=hunter2');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });
});

describe('isProvisioningLink', () => {
  it.each([
    [BASE, true],
    ['tsunagu:provision?x', true],
    ['TSUNAGU://Provision/', true],
    ['tsunagu://provision', true],
    ['  tsunagu://provision?user=1', true],
    ['tsunagu://provision/extra', true],
    ['tsunagu://provisioning?user=1', false],
    ['tsunagu://dial?number=1', false],
    ['tel:0312345678', false],
    ['--tsunagu://provision', false],
    ['', false],
    [`${BASE}${'a'.repeat(MAX_LINK_LENGTH)}`, true],
  ])('%j → %s', (text, expected) => {
    expect(isProvisioningLink(text)).toBe(expected);
  });
});
