import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InvalidDialTarget, InvalidPhoneConfig } from '../../../src-renderer/phone/errors';
import {
  DEFAULT_RECONNECT_BACKOFF,
  MAX_REMOTE_TEXT,
  backoffDelayMs,
  buildDialTarget,
  classifyRegisterFailure,
  describeRemoteParty,
  isPlausibleDomain,
  newCallId,
  outboundProxyRoute,
  sanitizeDisplayName,
  sanitizeRemoteText,
  shortErrorText,
} from '../../../src-renderer/phone/sip-helpers';

describe('buildDialTarget', () => {
  it.each([
    ['1002', 'sip:1002@lab.test', '1002'],
    ['  1002 ', 'sip:1002@lab.test', '1002'],
    ['+81312345678', 'sip:+81312345678@lab.test', '+81312345678'],
    ['03-1234-5678', 'sip:0312345678@lab.test', '0312345678'],
    ['(03) 1234 5678', 'sip:0312345678@lab.test', '0312345678'],
    ['+81 3 1234 5678', 'sip:+81312345678@lab.test', '+81312345678'],
    ['０３－１２３４－５６７８', 'sip:0312345678@lab.test', '0312345678'],
    ['０３ー１２３４ー５６７８', 'sip:0312345678@lab.test', '0312345678'],
    ['＊７０', 'sip:*70@lab.test', '*70'],
    ['*70', 'sip:*70@lab.test', '*70'],
    ['#31#1002', 'sip:%2331%231002@lab.test', '#31#1002'],
  ])('dial string %j → %s', (input, uri, remoteNumber) => {
    expect(buildDialTarget(input, 'lab.test')).toEqual({ uri, remoteNumber, kind: 'number' });
  });

  it.each([
    ['sip:1003@lab.test', 'sip:1003@lab.test'],
    ['SIP:alice@example.com', 'sip:alice@example.com'],
    ['sips:alice@example.com;transport=ws', 'sips:alice@example.com;transport=ws'],
    ['alice@example.com', 'sip:alice@example.com'],
  ])('SIP address %j → %s', (input, uri) => {
    const target = buildDialTarget(input, 'lab.test');
    expect(target.uri).toBe(uri);
    expect(target.kind).toBe('uri');
  });

  it.each([
    [''],
    ['   '],
    ['alice'],
    ['10a2'],
    ['1+2'],
    ['++12'],
    ['javascript:alert(1)'],
    ['sip:'],
    ['sip:alice@example.com\r\nX-Evil: 1'],
    ['sip:<alice@example.com>'],
    ['sip:a b@example.com'],
    ['"evil"@example.com'],
    ['1'.repeat(65)],
    [`sip:${'a'.repeat(600)}@example.com`],
  ])('refuses %j', (input) => {
    expect(() => buildDialTarget(input, 'lab.test')).toThrow(InvalidDialTarget);
  });

  it('refuses a dial string when the account domain is not a host', () => {
    expect(() => buildDialTarget('1002', 'lab test')).toThrow(InvalidDialTarget);
    expect(() => buildDialTarget('1002', '')).toThrow(InvalidDialTarget);
  });

  it('never produces a URI with characters that could break a header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        try {
          const { uri } = buildDialTarget(input, 'lab.test');
          return /^sips?:/.test(uri) && !/[\s<>"\p{Cc}]/u.test(uri);
        } catch (error) {
          return error instanceof InvalidDialTarget;
        }
      }),
    );
  });
});

describe('isPlausibleDomain', () => {
  it.each(['lab.test', 'pbx.example.jp', 'localhost', '127.0.0.1', '127.0.0.1:5060', '[::1]', '[2001:db8::1]:5061', 'a-b.c'])(
    'accepts %s',
    (domain) => {
      expect(isPlausibleDomain(domain)).toBe(true);
    },
  );
  it.each(['', 'lab test', '-lab.test', 'lab.test.', 'lab..test', 'user@lab.test', 'lab.test/x', 'lab.test:port'])('refuses %j', (domain) => {
    expect(isPlausibleDomain(domain)).toBe(false);
  });
});

describe('describeRemoteParty', () => {
  it('shows the user part alone on our own domain', () => {
    expect(describeRemoteParty('1002', 'lab.test', 'lab.test')).toBe('1002');
    expect(describeRemoteParty('1002', 'LAB.test', 'lab.TEST')).toBe('1002');
  });
  it('keeps the host for a foreign domain', () => {
    expect(describeRemoteParty('alice', 'example.com', 'lab.test')).toBe('alice@example.com');
  });
  it('falls back to the host without a user part', () => {
    expect(describeRemoteParty(undefined, 'gw.example.com', 'lab.test')).toBe('gw.example.com');
    expect(describeRemoteParty('', 'gw.example.com', 'lab.test')).toBe('gw.example.com');
  });
  it('decodes escapes and survives malformed ones', () => {
    expect(describeRemoteParty('%2331%231002', 'lab.test', 'lab.test')).toBe('#31#1002');
    expect(describeRemoteParty('100%ZZ', 'lab.test', 'lab.test')).toBe('100%ZZ');
  });
  it('removes control characters smuggled in through escapes', () => {
    expect(describeRemoteParty('1002%0D%0A%1B[31m', 'lab.test', 'lab.test')).toBe('1002 [31m');
  });
});

describe('sanitizeRemoteText', () => {
  it('keeps ordinary names, including Japanese and emoji', () => {
    expect(sanitizeRemoteText('山田 太郎')).toBe('山田 太郎');
    expect(sanitizeRemoteText('Café 👩‍💻')).toBe('Café 👩‍💻');
  });
  it('trims', () => {
    expect(sanitizeRemoteText('  Alice  ')).toBe('Alice');
  });
  it('passes markup through as plain text (rendering as text is the UI’s job)', () => {
    expect(sanitizeRemoteText('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });
  it('turns line breaks and tabs into single spaces', () => {
    expect(sanitizeRemoteText('Yamada\r\nTaro\tSales')).toBe('Yamada Taro Sales');
  });
  it('removes other control characters', () => {
    expect(sanitizeRemoteText('A\u0000l\u0007i\u001Bc\u007Fe\u0085!\u009B')).toBe('Alice !');
  });
  it('removes bidi overrides and invisible direction marks', () => {
    expect(sanitizeRemoteText('evil\u202Egnp.exe')).toBe('evilgnp.exe');
    expect(sanitizeRemoteText('\u2066a\u2069\u200Fb\u200E\uFEFF')).toBe('ab');
  });
  it('replaces lone surrogates', () => {
    expect(sanitizeRemoteText('a\uD800b')).toBe('a\uFFFDb');
    expect(sanitizeRemoteText('a\uDC00b')).toBe('a\uFFFDb');
  });
  it('caps at 256 code points without splitting a surrogate pair', () => {
    const long = '😀'.repeat(300);
    const out = sanitizeRemoteText(long);
    expect(Array.from(out)).toHaveLength(MAX_REMOTE_TEXT);
    expect(out).toBe('😀'.repeat(256));
    expect(sanitizeRemoteText('x'.repeat(100_000))).toHaveLength(256);
  });
  it('returns empty text for non-strings', () => {
    expect(sanitizeRemoteText(undefined)).toBe('');
    expect(sanitizeRemoteText(null)).toBe('');
    expect(sanitizeRemoteText(42 as unknown as string)).toBe('');
  });
  it('always yields short, trimmed, control-free, well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (input) => {
        const out = sanitizeRemoteText(input);
        return (
          Array.from(out).length <= MAX_REMOTE_TEXT &&
          out === out.trim() &&
          !/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(out) &&
          !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(out)
        );
      }),
    );
  });
});

describe('sanitizeDisplayName', () => {
  it('is null when nothing printable is left', () => {
    expect(sanitizeDisplayName(undefined)).toBeNull();
    expect(sanitizeDisplayName('')).toBeNull();
    expect(sanitizeDisplayName(' \u0000\u202E ')).toBeNull();
  });
  it('returns the cleaned name otherwise', () => {
    expect(sanitizeDisplayName(' Lab 1001\n')).toBe('Lab 1001');
  });
});

describe('backoffDelayMs', () => {
  const noJitter = (): number => 0;
  it('doubles from 1 s and caps at 30 s', () => {
    const delays = Array.from({ length: 8 }, (_, i) => backoffDelayMs(i, DEFAULT_RECONNECT_BACKOFF, noJitter));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
  it('adds at most 20 % jitter', () => {
    expect(backoffDelayMs(0, DEFAULT_RECONNECT_BACKOFF, () => 1)).toBe(1200);
    expect(backoffDelayMs(10, DEFAULT_RECONNECT_BACKOFF, () => 0.5)).toBe(33000);
  });
  it('survives odd inputs', () => {
    expect(backoffDelayMs(-3, DEFAULT_RECONNECT_BACKOFF, noJitter)).toBe(1000);
    expect(backoffDelayMs(Number.NaN, DEFAULT_RECONNECT_BACKOFF, noJitter)).toBe(1000);
    expect(backoffDelayMs(1e9, DEFAULT_RECONNECT_BACKOFF, noJitter)).toBe(30000);
    expect(backoffDelayMs(0, DEFAULT_RECONNECT_BACKOFF, () => Number.NaN)).toBe(1000);
    expect(backoffDelayMs(0, DEFAULT_RECONNECT_BACKOFF, () => 7)).toBe(1200);
  });
  it('stays within [base, base × 1.2] and never decreases with the attempt number', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffDelayMs(attempt, DEFAULT_RECONNECT_BACKOFF, () => r);
        const next = backoffDelayMs(attempt + 1, DEFAULT_RECONNECT_BACKOFF, () => r);
        return d >= 1000 && d <= 36000 && next >= d;
      }),
    );
  });
  it('honours a custom policy', () => {
    expect(backoffDelayMs(3, { initialDelayMs: 100, maxDelayMs: 500, jitterRatio: 0 })).toBe(500);
  });
});

describe('classifyRegisterFailure', () => {
  it.each([
    [401, 'auth', false],
    [403, 'auth', false],
    [407, 'auth', false],
    [404, 'rejected', false],
    [488, 'rejected', false],
    [408, 'rejected', true],
    [480, 'rejected', true],
    [500, 'rejected', true],
    [503, 'rejected', true],
    [504, 'rejected', true],
    [302, 'rejected', false],
    [603, 'rejected', false],
  ] as const)('sip:%i with the socket up → %s (retry %s)', (status, reason, retry) => {
    expect(classifyRegisterFailure(status, true)).toEqual({ reason, detail: `sip:${status}`, retry });
  });
  it('reports any failure without a socket as unreachable', () => {
    expect(classifyRegisterFailure(503, false)).toEqual({ reason: 'unreachable', detail: 'transport', retry: true });
    expect(classifyRegisterFailure(401, false).reason).toBe('unreachable');
  });
});

describe('outboundProxyRoute', () => {
  it.each([
    ['sip:proxy.example.jp;transport=ws', '<sip:proxy.example.jp;transport=ws;lr>'],
    ['sip:proxy.example.jp;lr', '<sip:proxy.example.jp;lr>'],
    ['sip:proxy.example.jp;lr;transport=wss', '<sip:proxy.example.jp;lr;transport=wss>'],
    ['sip:proxy.example.jp;lr=on', '<sip:proxy.example.jp;lr=on>'],
    [' sip:10.0.0.1:5060?X-Foo=bar ', '<sip:10.0.0.1:5060;lr>'],
    ['sip:lrproxy.example.jp', '<sip:lrproxy.example.jp;lr>'],
  ])('%j → %s', (input, route) => {
    expect(outboundProxyRoute(input)).toBe(route);
  });
  it.each(['proxy.example.jp', 'http://proxy', 'sip:proxy\r\nX: y', 'sip:<proxy>'])('refuses %j', (input) => {
    expect(() => outboundProxyRoute(input)).toThrow(InvalidPhoneConfig);
  });
});

describe('newCallId', () => {
  it('returns distinct v4 UUIDs', () => {
    const ids = new Set(Array.from({ length: 100 }, newCallId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('shortErrorText', () => {
  it('gives one short line for any thrown value', () => {
    expect(shortErrorText(new Error('WebSocket closed ws://127.0.0.1:8080 (code: 1006)'))).toBe(
      'WebSocket closed ws://127.0.0.1:8080 (code: 1006)',
    );
    expect(shortErrorText('line1\nline2')).toBe('line1 line2');
    expect(shortErrorText({})).toBe('unknown error');
    expect(shortErrorText(new Error('x'.repeat(500)))).toHaveLength(160);
  });
});
