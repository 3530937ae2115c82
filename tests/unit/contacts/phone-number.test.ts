import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { describe, expect, it } from 'vitest';
import { formatPhoneNumber, normalizePhoneNumber, normalizeRemoteNumber } from '../../../src-main/contacts/phone-number';

const KEY = /^\+?[0-9*#]+$/;

/** What the library alone says for a clean dial string: the behaviour the fast path must copy. */
function libraryKey(dial: string): string {
  const parsed = parsePhoneNumberFromString(dial, 'JP');
  return parsed?.isValid() === true ? parsed.number : dial;
}

/** A Japanese national significant number (what follows the 0): 9 digits, or 10 starting 2/5–9.
 *  Not 10…, because 010 is the international prefix, not a national number. */
const jpNsn = fc.stringMatching(/^(?:[2-9]\d{8}|1[1-9]\d{7}|[25-9]\d{9})$/);

/** Any UTF-16 code unit, lone surrogates included (fast-check's own units avoid them). */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: anyCodeUnit, maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  // Phone-ish text: the characters the parser actually branches on.
  fc.string({
    unit: fc.constantFrom(...'0123456789０１２３４５６７８９+＋*＊#＃-－ー‐−() （）.．/　\t内線xX、,;~～代表TEL:@<>%'.split('')),
    maxLength: 40,
  }),
);

describe('normalizePhoneNumber', () => {
  it.each([
    '03-1234-5678',
    '0312345678',
    '+81 3 1234 5678',
    '+81-3-1234-5678',
    '+81312345678',
    '（０３）１２３４－５６７８',
    '０３－１２３４－５６７８',
    '03.1234.5678',
    '(03) 1234-5678',
    '03ー1234ー5678', // typed with the kana IME's long-vowel key
    '03ｰ1234ｰ5678', // …and in half-width mode
    '03 1234 5678',
    '+81 (0)3-1234-5678',
    '＋８１ ３ １２３４ ５６７８',
    'TEL: 03-1234-5678',
    '03-1234-5678（代表）',
    '03-1234-5678 内線 123',
    '03-1234-5678 ext. 12',
    '03-1234-5678 x12',
    'FAX 03-1234-5678',
    '03-1234-5678、03-1234-5679',
    '010-81-3-1234-5678', // dialled from Japan via the international prefix
    '81312345678', // the + lost on the way (gateways, Excel)
    '312345678', // the 0 lost on the way (Excel treats phone columns as numbers)
  ])('%j is +81312345678', (raw) => {
    expect(normalizePhoneNumber(raw)).toBe('+81312345678');
  });

  it.each([
    ['090-1111-2222', '+819011112222'], // mobile
    ['080-1111-2222', '+818011112222'],
    ['070-1111-2222', '+817011112222'],
    ['060-1111-2222', '+816011112222'], // mobile range opened 2026
    ['0120-123-456', '+81120123456'], // free dial
    ['0800-123-4567', '+818001234567'], // free dial, 10 digits
    ['0570-123-456', '+81570123456'], // navi dial
    ['050-1234-5678', '+815012345678'], // IP phone
    ['06-1234-5678', '+81612345678'], // Osaka
    ['0466-12-3456', '+81466123456'], // 4-digit area code
    ['01267-1-2345', '+81126712345'], // 5-digit area code
    ['+1 212 555 0100', '+12125550100'],
    ['+1 (212) 555-0100', '+12125550100'],
    ['010-1-212-555-0100', '+12125550100'], // Japanese international prefix 010
    ['+44 20 7946 0958', '+442079460958'],
    ['010 44 20 7946 0958', '+442079460958'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizePhoneNumber(raw)).toBe(expected);
  });

  it.each([
    ['10', '10'],
    ['1001', '1001'],
    ['１００１', '1001'],
    ['12345', '12345'],
    ['123456', '123456'],
    ['2001-1', '20011'],
    ['110', '110'], // emergency numbers are dialled as they are
    ['119', '119'],
    ['*21#', '*21#'],
    ['*67', '*67'],
    ['#31#0312345678', '#31#0312345678'], // feature codes keep the number they prefix as typed
    ['＊２１＃', '*21#'],
    ['0312345678#', '0312345678#'],
    ['03-1234-567', '031234567'], // a digit short: not a valid number, so only the dial string
    ['+999 1234', '+9991234'], // no such country
  ])('%j stays the dial string %j', (raw, expected) => {
    expect(normalizePhoneNumber(raw)).toBe(expected);
  });

  it.each(['', '   ', 'abc', '+', '代表', '-', '()', 'anonymous', '\u0000\u0001', '👩‍💼'])('%j has nothing dialable', (raw) => {
    expect(normalizePhoneNumber(raw)).toBe('');
  });

  it('uses the default region only for numbers without a country code', () => {
    expect(normalizePhoneNumber('(212) 555-0100', 'US')).toBe('+12125550100');
    expect(normalizePhoneNumber('+81 3 1234 5678', 'US')).toBe('+81312345678');
    expect(normalizePhoneNumber('011 81 3 1234 5678', 'US')).toBe('+81312345678');
    // A Japanese national number is not one in the US.
    expect(normalizePhoneNumber('03-1234-5678', 'US')).toBe('0312345678');
  });

  it('separators inserted anywhere into a valid Japanese number never change the key', () => {
    const separators = ['-', ' ', '(', ')', '.', '－', '　', '（', '）', '．', 'ー', 'ｰ', '‐', '−', '\t', '/'];
    fc.assert(
      fc.property(
        jpNsn,
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...separators)), { maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (nsn, international, insertions, fullWidth) => {
          // Full-width digits in random places: input mode switches half-way through are common.
          const digits = [...(international ? `+81${nsn}` : `0${nsn}`)].map((ch, i) => (fullWidth[i] === true && /\d/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch));
          let text = digits.join('');
          for (const [at, separator] of insertions) {
            const position = at % (text.length + 1);
            text = text.slice(0, position) + separator + text.slice(position);
          }
          expect(normalizePhoneNumber(text)).toBe(`+81${nsn}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is idempotent on its own output', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const key = normalizePhoneNumber(raw);
        expect(normalizePhoneNumber(key)).toBe(key);
      }),
      { numRuns: 3000 },
    );
  });

  it("always returns '' or a dial string of digits, * and # with at most a leading +", () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        const key = normalizePhoneNumber(raw);
        if (key !== '') expect(key).toMatch(KEY);
        expect(key.length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 3000 },
    );
  });

  it('decides the common Japanese shapes exactly as libphonenumber would', () => {
    // The fast path skips the library for these; it must never give a different answer.
    const prefix = fc.constantFrom('', '0', '00', '01', '010', '0120', '0570', '050', '060', '090', '0800', '3', '1', '2', '5', '8', '81', '810', '8190', '+81', '+810', '+8100', '+1');
    fc.assert(
      fc.property(prefix, fc.stringMatching(/^\d{0,14}$/), (head, tail) => {
        const dial = head + tail;
        fc.pre(dial !== '' && dial !== '+');
        expect(normalizePhoneNumber(dial)).toBe(libraryKey(dial));
      }),
      { numRuns: 20_000 },
    );
    for (const dial of ['1', '1234567', '12345678', '123456789', '1234567890', '8131234567', '81312345678', '819011112222', '8190111122223', '+8103123456789', '0101212555']) {
      expect(normalizePhoneNumber(dial), dial).toBe(libraryKey(dial));
    }
  });

  it('never throws, on anything', () => {
    fc.assert(
      fc.property(anyString, fc.constantFrom<'JP' | 'US' | 'GB'>('JP', 'US', 'GB'), (raw, region) => {
        normalizePhoneNumber(raw, region);
        normalizeRemoteNumber(raw, region);
        formatPhoneNumber(raw, region);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hostile input', () => {
  const huge = [
    '0'.repeat(100_000),
    '0312345678'.repeat(10_000),
    `${'-'.repeat(100_000)}0312345678`,
    '０'.repeat(50_000),
    'あ'.repeat(100_000),
    '\u0000\u001f\u007f\u0085'.repeat(25_000),
    '\ud800'.repeat(50_000),
    '😀'.repeat(25_000),
    `sip:${'9'.repeat(100_000)}@pbx`,
    `<sip:${'%2B'.repeat(30_000)}@pbx>`,
  ];
  it.each(huge.map((text, i) => [i, text] as const))('100 kB string #%i: no throw, bounded key, quickly', (_, text) => {
    const started = performance.now();
    const key = normalizePhoneNumber(text);
    const remote = normalizeRemoteNumber(text);
    const shown = formatPhoneNumber(text);
    expect(key === '' || KEY.test(key)).toBe(true);
    expect(key.length).toBeLessThanOrEqual(64);
    expect(remote.length).toBeLessThanOrEqual(64);
    expect(typeof shown).toBe('string');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it.each(['\ud83d', '\udc00', '03\ud800-1234-5678', '03-1234-5678\udfff', '\u202e03-1234-5678', '0\u200b3-1234-5678', '📞 03-1234-5678', '03-1234-5678 📞'])('%j does not throw', (text) => {
    expect(() => normalizePhoneNumber(text)).not.toThrow();
    expect(() => normalizeRemoteNumber(text)).not.toThrow();
    expect(() => formatPhoneNumber(text)).not.toThrow();
  });

  it('an emoji in front is a label like any other', () => {
    expect(normalizePhoneNumber('📞 03-1234-5678')).toBe('+81312345678');
  });
});

describe('normalizeRemoteNumber', () => {
  it.each([
    ['0312345678', '+81312345678'],
    ['+81312345678', '+81312345678'],
    ['81312345678', '+81312345678'],
    ['819011112222', '+819011112222'],
    ['sip:0312345678@pbx;user=phone', '+81312345678'],
    ['sip:0312345678@192.0.2.10:5060;transport=udp', '+81312345678'],
    ['<sip:+81-3-1234-5678@gw>', '+81312345678'],
    ['"山田" <sip:+819011112222@gw.example.jp;user=phone>;tag=a1b2', '+819011112222'],
    ['"03-9999-9999" <sip:1002@pbx>', '1002'], // the display name is not the number
    ['SIP:0312345678@PBX', '+81312345678'],
    ['sips:%2B81312345678@gw', '+81312345678'],
    ['tel:+81312345678', '+81312345678'],
    ['tel:+81-3-1234-5678;ext=12', '+81312345678'],
    ['<tel:0312345678>', '+81312345678'],
    ['sip:0312345678;phone-context=+81@pbx', '+81312345678'],
    ['sip:1001@pbx.example.com', '1001'],
    ['1001', '1001'],
    ['sip:*21#@pbx', '*21#'],
    ['sip:+12125550100@gw', '+12125550100'],
    ['  sip:0312345678@pbx  ', '+81312345678'],
  ])('%j → %j', (remote, expected) => {
    expect(normalizeRemoteNumber(remote)).toBe(expected);
  });

  it.each([
    'anonymous',
    'Anonymous',
    '"Anonymous" <sip:anonymous@anonymous.invalid>',
    'sip:anonymous@anonymous.invalid',
    'sip:unavailable@pbx',
    'sip:alice@example.com', // a name, not a number: its digits must not match anyone
    'sip:alice2@example.com',
    'sip:192.0.2.10', // a host, no user part
    'sip:pbx.example.com',
    '',
    '<>',
    'tel:',
    'sip:@pbx',
  ])('%j → no number', (remote) => {
    expect(normalizeRemoteNumber(remote)).toBe('');
  });

  it('matches the phonebook key of the same number', () => {
    fc.assert(
      fc.property(jpNsn, fc.constantFrom('sip:0%s@pbx;user=phone', '<sip:+81%s@gw>', 'tel:+81%s', '81%s', '0%s'), (nsn, template) => {
        expect(normalizeRemoteNumber(template.replace('%s', nsn))).toBe(normalizePhoneNumber(`0${nsn}`));
      }),
    );
  });
});

describe('formatPhoneNumber', () => {
  it.each([
    ['0312345678', '03-1234-5678'],
    ['+81312345678', '03-1234-5678'],
    ['+81 3 1234 5678', '03-1234-5678'],
    ['（０３）１２３４－５６７８', '03-1234-5678'],
    ['09011112222', '090-1111-2222'],
    ['+819011112222', '090-1111-2222'],
    ['0120123456', '0120-123-456'],
    ['0570123456', '0570-123-456'],
    ['08001234567', '0800-123-4567'],
    ['05012345678', '050-1234-5678'],
    ['0612345678', '06-1234-5678'],
    ['0466123456', '0466-12-3456'],
    ['0112345678', '011-234-5678'],
    ['+12125550100', '+1 212 555 0100'],
    ['010-1-212-555-0100', '+1 212 555 0100'],
    ['+442079460958', '+44 20 7946 0958'],
  ])('%j → %j', (raw, expected) => {
    expect(formatPhoneNumber(raw)).toBe(expected);
  });

  it.each([
    '1001',
    '*21#',
    '0312345678#',
    'anonymous',
    '',
    '03-1234-567',
    '03-1234-5678（代表）',
    '03-1234-5678 内線 12',
    'TEL 03-1234-5678',
    '+999 1234',
    '00777-12-3456', // valid to the min metadata, but it has no grouping for 00… numbers
  ])(
    '%j is shown as written',
    (raw) => {
      expect(formatPhoneNumber(raw)).toBe(raw);
    },
  );

  it('formats 10-digit Japanese numbers as the library does', () => {
    // These skip the library (mobile, 050, 020, 060, 0800); the grouping must still be its own.
    fc.assert(
      fc.property(fc.stringMatching(/^(?:[25-9]\d{9}|800\d{7})$/), (nsn) => {
        expect(formatPhoneNumber(`0${nsn}`)).toBe(parsePhoneNumberFromString(`0${nsn}`, 'JP')?.formatNational());
      }),
      { numRuns: 2000 },
    );
  });

  it('formats what it keys: the shown number normalizes back to the same key', () => {
    fc.assert(
      fc.property(anyString, (raw) => {
        expect(normalizePhoneNumber(formatPhoneNumber(raw))).toBe(normalizePhoneNumber(raw));
      }),
      { numRuns: 2000 },
    );
  });
});
