// The provisioning importers on what a stranger can put in front of them: arbitrary text, and
// sheet-, CSV- and link-shaped text whose labels and values mix HTML, bidi overrides, zero-width
// characters, NUL, lone surrogates, 100 kB values and random separators. Whatever comes in, they
// answer (never throw); an accepted account passes the contract; nothing invisible or
// direction-changing reaches a display name, a service code or an echoed label; the password is
// never echoed; and what comes out stays small.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccountSettings } from '../../../src-preload/contract';
import {
  KNOWN_LABELS,
  parseProvisioningCsv,
  parseProvisioningLink,
  parseProvisioningSheet,
  type ProvisioningCsvResult,
  type ProvisioningField,
  type ProvisioningResult,
} from '../../../src-main/provisioning';

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;
const REASONS = ['empty', 'too-large', 'no-account', 'conflict', 'invalid-field', 'malformed', 'unknown-parameter'];
const FIELDS: ProvisioningField[] = ['user', 'authorizationUser', 'domain', 'wsServer', 'outboundProxy', 'displayName', 'serviceCode', 'password'];

/** Whatever the input, the answer keeps these promises. */
function expectWellFormed(result: ProvisioningResult): void {
  if (!result.ok) {
    expect(Object.keys(result).every((key) => ['ok', 'reason', 'field', 'issue'].includes(key))).toBe(true);
    expect(REASONS).toContain(result.reason);
    if (result.field !== undefined) expect(FIELDS).toContain(result.field);
    // A fixed key, so it cannot carry the password or any other input text.
    if (result.issue !== undefined) expect(result.issue).toMatch(/^validation\.[A-Za-z]+$/);
    return;
  }
  const { account, password, derived, ignoredLabels } = result.draft;
  expect(AccountSettings.safeParse(account).success).toBe(true);
  expect(INVISIBLE.test(account.displayName)).toBe(false);
  expect(INVISIBLE.test(account.serviceCode)).toBe(false);
  expect(ignoredLabels.length).toBeLessThanOrEqual(20);
  for (const label of ignoredLabels) {
    expect(label).not.toBe('');
    expect(Array.from(label).length).toBeLessThanOrEqual(40);
    expect(INVISIBLE.test(label)).toBe(false);
    if (password !== null) expect(label.includes(password)).toBe(false);
  }
  if (password !== null) {
    expect(password).not.toBe('');
    expect(password.length).toBeLessThanOrEqual(256);
    expect(INVISIBLE.test(password)).toBe(false);
  }
  expect(derived.every((field) => field === 'wsServer' || field === 'domain')).toBe(true);
  expect(JSON.stringify(result).length).toBeLessThan(8_000);
}

function expectWellFormedCsv(result: ProvisioningCsvResult): void {
  if (!result.ok) {
    expect(['empty', 'too-large', 'no-account', 'malformed']).toContain(result.reason);
    return;
  }
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.rows.length).toBeLessThanOrEqual(5000);
  expect(result.ignoredColumns.length).toBeLessThanOrEqual(20);
  for (const label of result.ignoredColumns) expect(INVISIBLE.test(label) || Array.from(label).length > 40).toBe(false);
  let previousLine = 0;
  for (const [i, row] of result.rows.entries()) {
    expect(row.row).toBe(i + 1);
    expect(row.line).toBeGreaterThan(previousLine);
    previousLine = row.line;
    const { row: _row, line: _line, ...rest } = row;
    expectWellFormed(rest as ProvisioningResult);
    if (row.ok && row.draft.password !== null) for (const label of result.ignoredColumns) expect(label.includes(row.draft.password)).toBe(false);
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
const HOSTILE_CONSTANTS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '\u202Eevil',
  'abc\u202Egpj.exe',
  '\u2066isolate\u2069',
  'zero\u200Bwidth',
  '\uFEFFbom',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u2028',
  '\u0085',
  'x'.repeat(100_000),
  'ｘ'.repeat(20_000),
  '"}]',
  '__proto__',
  '：：：',
  '【】［］',
  'wss://ok.example/\u0007',
  'wss://pbx.example.jp/ws',
  'ws://127.0.0.1/ws',
  'pbx.example.jp',
  'pbx.example.jp:5061',
  'ＰＢＸ．ｅｘａｍｐｌｅ．ｊｐ：５０６１',
  '1001',
  '１００１',
  '1001@pbx.example.jp',
  'sip:proxy.example.jp',
  'Ｐａｓｓ＃１２３',
  '%0d%0a',
  '%E2%80%AE',
  '+',
];
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.constantFrom(...HOSTILE_CONSTANTS),
  fc.tuple(fc.constantFrom(...HOSTILE_CONSTANTS), fc.string({ unit: codeUnit, maxLength: 8 }), fc.constantFrom(...HOSTILE_CONSTANTS)).map((parts) => parts.join('')),
);
const allLabels = KNOWN_LABELS.flatMap(([, labels]) => labels);
const label = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...allLabels) },
  { weight: 1, arbitrary: fc.constantFrom('お客様ID', 'ご契約者名', 'Account manager', 'Support') },
  { weight: 2, arbitrary: hostileText },
);
const separator = fc.constantFrom('：', ':', ' ', '\t', '　', ' : ', '=', '', '\t\t', '：\u200B', '\u202E：');
const bullet = fc.constantFrom('', '・', '■', '● ', '1. ', '- ', '\u202E', '\u200B');
const lineBreak = fc.constantFrom('\n', '\r\n', '\r', '\u2028', '\u0085', '\n\n', '\v');

const sheetLine = fc.oneof(
  fc.tuple(bullet, label, separator, hostileText).map(([b, l, s, v]) => `${b}${l}${s}${v}`),
  fc.tuple(bullet, fc.constantFrom(['【', '】'], ['［', '］'], ['[', ']']), label, hostileText).map(([b, [open, close], l, v]) => `${b}${open}${l}${close}${v}`),
  fc.array(fc.oneof(label, hostileText), { minLength: 2, maxLength: 6 }).map((cells) => cells.join('\t')),
  hostileText,
);
const sheet = fc.array(fc.tuple(sheetLine, lineBreak), { maxLength: 25 }).map((lines) => lines.flat().join(''));

/** A real account on the sheet, so that the accepting paths are exercised too. */
const realAccount = fc
  .tuple(
    fc.constantFrom('端末ID：1001', 'User ID: 1001', '【SIP ID】1001', '端末ID\t1001'),
    fc.constantFrom('内線サーバアドレス：pbx.example.jp', 'Domain: pbx.example.jp:5061', 'SIPサーバ\tpbx.example.jp'),
  )
  .map(([user, server]) => `${user}\n${server}\n`);
const sheetWithAccount = fc.tuple(realAccount, sheet, fc.boolean()).map(([account, rest, first]) => (first ? account + rest : rest + '\n' + account));

const csvCell = fc.oneof(hostileText, fc.constantFrom('1001', 'pbx.example.jp', 'p,w"d', '', '"quoted"'));
const csvText = fc
  .tuple(
    fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...allLabels) }, { weight: 1, arbitrary: hostileText }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.array(csvCell, { maxLength: 9 }), { maxLength: 12 }),
    fc.constantFrom(',', '\t'),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([header, rows, delimiter, newline, bom, quoteAll]) => {
    const cell = (value: string) => (quoteAll || /[",\t\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
    const lines = [['端末ID', 'ドメイン', ...header], ...rows.map((row) => ['1001', 'pbx.example.jp', ...row])];
    return (bom ? '\uFEFF' : '') + lines.map((line) => line.map(cell).join(delimiter)).join(newline);
  });

const LINK_KEYS = ['user', 'domain', 'ws', 'name', 'auth', 'proxy', 'service', 'password'];
function encodeLoosely(text: string): string {
  // encodeURIComponent throws on a lone surrogate; a hostile link may contain one raw.
  return /\p{Cs}/u.test(text) ? text : encodeURIComponent(text);
}
const linkValue = fc.oneof(
  hostileText.map(encodeLoosely),
  hostileText,
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map((bytes) => bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%', '%zz', '%E3%81', '+', '%2B', 'wss%3A%2F%2Fpbx.example.jp%2Fws'),
);
const link = fc
  .tuple(
    fc.constantFrom('tsunagu://provision?', 'tsunagu:provision?', 'TSUNAGU://PROVISION/?', 'tsunagu://provision?user=1001&domain=pbx.example.jp&', 'tsunagu://dial?', ''),
    fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LINK_KEYS) }, { weight: 1, arbitrary: hostileText.map(encodeLoosely) }), linkValue), { maxLength: 8 }),
  )
  .map(([prefix, pairs]) => prefix + pairs.map(([key, value]) => `${key}=${value}`).join('&'));

// ---------------------------------------------------------------------------------------------

describe('provisioning importers: hostile input', () => {
  it('sheet: arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: codeUnit, maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (text) =>
        expectWellFormed(parseProvisioningSheet(text)),
      ),
      { numRuns: 300 },
    );
  });

  it('sheet: label/value lines with hostile labels, values and separators', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(sheet, sheetWithAccount), (text) => {
        const result = parseProvisioningSheet(text);
        if (result.ok) accepted++;
        expectWellFormed(result);
      }),
      { numRuns: 400 },
    );
    // The accepting path is exercised, not only the refusals.
    expect(accepted).toBeGreaterThan(10);
  });

  it('sheet: the values of a real account survive any layout, the password verbatim', () => {
    const password = fc
      .string({ unit: fc.constantFrom(...'abcXYZ019!#$%&()*+,-./;<>?@[]^_`{|}~ ＡＢＣ１２３＃！パスﾜｰﾄﾞ'), minLength: 1, maxLength: 40 })
      .filter((value) => value.trim() === value && !/^[:：=＝]/.test(value));
    const pick = (field: ProvisioningField) => fc.constantFrom(...(KNOWN_LABELS.find(([f]) => f === field)?.[1] ?? []));
    const layout = fc.constantFrom(
      (l: string, v: string) => `${l}：${v}`,
      (l: string, v: string) => `${l}: ${v}`,
      (l: string, v: string) => `・${l}\u3000：\u3000${v}`,
      (l: string, v: string) => `${l}\t${v}`,
      (l: string, v: string) => `【${l}】${v}`,
      (l: string, v: string) => `${l} ${v}`,
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._~+*#-]{1,20}$/),
        fc.domain(),
        password,
        fc.tuple(pick('user'), pick('domain'), pick('password')),
        fc.tuple(layout, layout, layout),
        (user, domain, pass, [userLabel, domainLabel, passwordLabel], [a, b, c]) => {
          const result = parseProvisioningSheet([a(userLabel, user), b(domainLabel, domain), c(passwordLabel, pass)].join('\n'));
          expect(result).toMatchObject({ ok: true, draft: { account: { user, domain: domain.toLowerCase(), wsServer: `wss://${domain.toLowerCase()}/ws` }, password: pass } });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('CSV: arbitrary text and hostile exports', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: codeUnit, maxLength: 300 }), csvText), (text) => expectWellFormedCsv(parseProvisioningCsv(text))),
      { numRuns: 300 },
    );
  });

  it('link: arbitrary text and hostile queries', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: codeUnit, maxLength: 200 }), link), (text) => {
        const result = parseProvisioningLink(text);
        expectWellFormed(result);
        if (result.ok) expect(result.draft.ignoredLabels).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
