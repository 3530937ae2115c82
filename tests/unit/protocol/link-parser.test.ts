import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINK_SCHEMES, isCallLink, parseCallLink, type LinkRejection } from '../../../src-main/protocol/link-parser';

// The only two shapes a target may take (the brief's contract with the renderer).
const DIAL_STRING = /^\+?[0-9*#]{1,64}$/;
const HOST = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])`;
const STRICT_SIP_URI = new RegExp(String.raw`^sips?:[A-Za-z0-9._~+*#-]+@${HOST}(?::\d{1,5})?$`);

function targetOf(link: unknown): string {
  const parsed = parseCallLink(link);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(link)} to be accepted, got ${parsed.reason}`);
  return parsed.target;
}

function reasonOf(link: unknown): LinkRejection | 'accepted' {
  const parsed = parseCallLink(link);
  return parsed.ok ? 'accepted' : parsed.reason;
}

describe('tel: (RFC 3966)', () => {
  it.each([
    // RFC 3966's own examples that are dial links.
    ['tel:+1-201-555-0123', '+12015550123'],
    ['tel:7042;phone-context=example.com', '7042'],
    ['tel:863-1234;phone-context=+1-914-555', '+19145558631234'],
    // Japanese formats.
    ['tel:03-1234-5678', '0312345678'],
    ['tel:０３-１２３４-５６７８', '0312345678'],
    ['tel:０３－１２３４－５６７８', '0312345678'],
    ['tel:０３ー１２３４ー５６７８', '0312345678'],
    ['tel:(03)1234-5678', '0312345678'],
    ['tel:+81-3-1234-5678', '+81312345678'],
    ['tel:＋８１-３-１２３４-５６７８', '+81312345678'],
    ['tel:0120-123-456', '0120123456'],
    ['tel:03.1234.5678', '0312345678'],
    ['tel:03%201234%205678', '0312345678'],
    ['tel:03 1234 5678', '0312345678'],
    ['tel:(+81) 3 1234 5678', '+81312345678'],
    // Feature codes; '#' raw, percent-encoded, or full-width.
    ['tel:*21*1001%23', '*21*1001#'],
    ['tel:*21*1001#', '*21*1001#'],
    ['tel:＊２１＊１００１＃', '*21*1001#'],
    ['tel:%2A70', '*70'],
    // Parameters.
    ['tel:+81-3-1234-5678;ext=123', '+81312345678'],
    ['tel:03-1234-5678;ext=123', '0312345678'],
    ['tel:+1-201-555-0123;isub=1411', '+12015550123'],
    ['tel:0312345678;foo=bar;baz', '0312345678'],
    ['tel:3-1234-5678;phone-context=+81', '+81312345678'],
    ['tel:03-1234-5678;phone-context=+81', '0312345678'],
    ['tel:*21;phone-context=+81', '*21'],
    ['tel:+81312345678;phone-context=+1', '+81312345678'],
    ['tel:1234;phone-context=pbx.example.jp', '1234'],
    ['tel:1234;PHONE-CONTEXT=+81-3', '+8131234'],
    // Case, whitespace and the common-but-wrong tel://.
    ['TEL:0312345678', '0312345678'],
    ['  tel:0312345678\n', '0312345678'],
    ['tel://0312345678', '0312345678'],
  ])('%j → %j', (link, target) => {
    expect(targetOf(link)).toBe(target);
  });

  it.each<[string, LinkRejection]>([
    ['tel:', 'empty-number'],
    ['tel:+', 'empty-number'],
    ['tel:---', 'empty-number'],
    ['tel:;ext=1', 'empty-number'],
    ['tel:0312345678abc', 'invalid-characters'],
    ['tel:7042A', 'invalid-characters'],
    ['tel:1+2', 'invalid-characters'],
    ['tel:++81', 'invalid-characters'],
    ['tel:0312345678?subject=x', 'invalid-characters'],
    ['tel:03%3B1234', 'invalid-characters'],
    ['tel:٠٣١٢٣٤٥٦٧٨', 'invalid-characters'], // Arabic-Indic digits: NFKC keeps them, so do not guess
    ['tel:1234;phone-context=', 'malformed'],
    ['tel:1234;phone-context=+', 'malformed'],
    ['tel:1234;phone-context=+81;phone-context=+1', 'malformed'],
    ['tel:1234;=x', 'invalid-characters'],
    ['tel:1234;--gpu-launcher=cmd', 'invalid-characters'],
    ['tel:12%', 'malformed'],
    ['tel:12%zz', 'malformed'],
    ['tel:12%C3', 'malformed'],
    [`tel:${'1'.repeat(65)}`, 'too-long'],
    [`tel:+${'1'.repeat(64)}`, 'too-long'],
    [`tel:${'1'.repeat(49)};phone-context=+${'1'.repeat(15)}`, 'too-long'], // 65 once combined
  ])('%j is refused: %s', (link, reason) => {
    expect(reasonOf(link)).toBe(reason);
  });

  it('accepts exactly 64 characters', () => {
    expect(targetOf(`tel:${'1'.repeat(64)}`)).toBe('1'.repeat(64));
    expect(targetOf(`tel:+${'1'.repeat(63)}`)).toBe(`+${'1'.repeat(63)}`);
  });
});

describe('callto:', () => {
  it.each([
    ['callto:0312345678', '0312345678'],
    ['callto://+81312345678', '+81312345678'],
    ['callto:+81 3 1234 5678', '+81312345678'],
    ['callto:+81%203%201234%205678', '+81312345678'],
    ['CALLTO:03-1234-5678', '0312345678'],
    ['callto:03ー1234ー5678', '0312345678'],
  ])('%j → %j', (link, target) => {
    expect(targetOf(link)).toBe(target);
  });

  it.each<[string, LinkRejection]>([
    ['callto:echo123', 'not-a-dial-link'],
    ['callto://alice.smith', 'not-a-dial-link'],
    ['callto:+81312345678?call', 'not-a-dial-link'],
    ['callto:山田', 'not-a-dial-link'],
    ['callto:', 'empty-number'],
    ['callto:1234@10.0.0.1', 'invalid-characters'],
  ])('%j is refused: %s', (link, reason) => {
    expect(reasonOf(link)).toBe(reason);
  });
});

describe('sip: / sips: (RFC 3261)', () => {
  it.each([
    // RFC 3261 §19.1.3 examples that name someone to call.
    ['sip:alice@atlanta.com', 'sip:alice@atlanta.com'],
    ['sips:alice@atlanta.com?subject=project%20x&priority=urgent', 'sips:alice@atlanta.com'],
    ['sips:1212@gateway.com', 'sips:1212@gateway.com'],
    ['sip:alice@192.0.2.4', 'sip:alice@192.0.2.4'],
    ['sip:alice@atlanta.com;maddr=239.255.255.1;ttl=15', 'sip:alice@atlanta.com'],
    // Our formats.
    ['sip:1002@lab.test', 'sip:1002@lab.test'],
    ['sips:alice@example.com:5061', 'sips:alice@example.com:5061'],
    ['sip:1001@pbx.example.jp;transport=ws?Replaces=abc%3Bto-tag%3Dx', 'sip:1001@pbx.example.jp'],
    ['sip:1001@pbx.example.jp;transport=ws?subject=x', 'sip:1001@pbx.example.jp'],
    ['sip:1001@pbx.example.jp?Refer-To=sip:evil@attacker.example', 'sip:1001@pbx.example.jp'],
    ['sip:+81-3-1234-5678@gw.example.jp;user=phone', 'sip:+81312345678@gw.example.jp'],
    ['sip:０３-１２３４-５６７８@pbx.example.jp', 'sip:0312345678@pbx.example.jp'],
    ['sip:*70@pbx', 'sip:*70@pbx'],
    ['SIP:Alice@PBX.Example.JP', 'sip:Alice@pbx.example.jp'],
    ['sip:alice@[2001:DB8::10]:5070', 'sip:alice@[2001:db8::10]:5070'],
    ['sip:alice@[::ffff:192.0.2.4]', 'sip:alice@[::ffff:192.0.2.4]'],
    ['sip:alice@example.com:05060', 'sip:alice@example.com:5060'],
    ['sip:al%69ce@example.com', 'sip:alice@example.com'],
    ['sip:first.last_x~y+tag@example.com', 'sip:first.last_x~y+tag@example.com'],
  ])('%j → %j', (link, target) => {
    expect(targetOf(link)).toBe(target);
  });

  it.each<[string, LinkRejection]>([
    ['sip:pbx.example.jp', 'not-a-dial-link'],
    ['sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com', 'not-a-dial-link'],
    ['sip:', 'empty-number'],
    ['sip:@pbx.example.jp', 'empty-number'],
    ['sip:alice:secretword@atlanta.com;transport=tcp', 'invalid-characters'], // credentials
    ['sip:+1-212-555-1212:1234@gateway.com;user=phone', 'invalid-characters'], // credentials
    ['sip:alice;day=tuesday@atlanta.com', 'invalid-characters'], // legal, but not for a click
    ['sip:a@b@c', 'malformed'],
    ['sip:<script>@x', 'invalid-characters'],
    ['sip:alice@<script>', 'malformed'],
    ['sip:alice@example.com;x=<script>', 'invalid-characters'],
    ['sip:alice@example.com?x="y"', 'invalid-characters'],
    ['sip:*21%23@pbx', 'invalid-characters'], // '#' cannot go unescaped into a user part
    ['sip:%2Fetc@pbx', 'invalid-characters'],
    ['sip:-alice@pbx', 'invalid-characters'],
    ['sip:pbx?Refer-To=sip:evil@x', 'invalid-characters'],
    ['sip://1001@pbx', 'invalid-characters'],
    ['sip:alice@example.com:0', 'malformed'],
    ['sip:alice@example.com:65536', 'malformed'],
    ['sip:alice@example.com:50a', 'malformed'],
    ['sip:alice@example.com:', 'malformed'],
    ['sip:alice@', 'malformed'],
    ['sip:alice@-pbx.example', 'malformed'],
    ['sip:alice@pbx..example', 'malformed'],
    ['sip:alice@pbx.example.', 'malformed'],
    ['sip:alice@999.1.1.1', 'malformed'],
    ['sip:alice@010.0.0.1', 'malformed'],
    ['sip:alice@1.2.3', 'malformed'],
    ['sip:alice@123abc', 'malformed'], // RFC 3261 toplabel starts with a letter
    ['sip:alice@[fe80::1%25eth0]', 'malformed'],
    ['sip:alice@[2001:db8::zz]', 'malformed'],
    ['sip:alice@[2001:db8::1', 'malformed'],
    ['sip:alice@例え.jp', 'malformed'], // IDN look-alikes are refused, not converted
    ['sip:alice@ex%61mple.com', 'malformed'],
    [`sip:${'a'.repeat(250)}@example.com`, 'too-long'],
  ])('%j is refused: %s', (link, reason) => {
    expect(reasonOf(link)).toBe(reason);
  });
});

describe('tsunagu:', () => {
  it.each([
    ['tsunagu://dial?number=0312345678', '0312345678'],
    ['tsunagu:dial?number=03-1234-5678', '0312345678'],
    ['tsunagu://dial/?number=%2B81312345678', '+81312345678'],
    ['tsunagu://dial?number=+81312345678', '+81312345678'], // '+' stays a plus, not a space
    ['tsunagu://DIAL?number=*21*1001%23', '*21*1001#'],
    ['tsunagu://dial?source=crm&number=０３-１２３４-５６７８', '0312345678'],
    ['tsunagu://dial?number=03%201234%205678&', '0312345678'],
  ])('%j → %j', (link, target) => {
    expect(targetOf(link)).toBe(target);
  });

  it.each<[string, LinkRejection]>([
    ['tsunagu://provision?url=https://evil.example/config', 'not-a-dial-link'],
    ['tsunagu://settings', 'not-a-dial-link'],
    ['tsunagu://', 'not-a-dial-link'],
    ['tsunagu:///dial?number=1', 'not-a-dial-link'],
    ['tsunagu://dial', 'empty-number'],
    ['tsunagu://dial?number=', 'empty-number'],
    ['tsunagu://dial?num=1', 'empty-number'],
    ['tsunagu://dial?number=110&number=0312345678', 'malformed'],
    ['tsunagu://dial?number=abc', 'invalid-characters'],
    ['tsunagu://dial?number=sip:1001@pbx', 'invalid-characters'],
    ['tsunagu://dial?number=123&x=" --gpu-launcher="cmd', 'invalid-characters'],
  ])('%j is refused: %s', (link, reason) => {
    expect(reasonOf(link)).toBe(reason);
  });
});

describe('hostile input', () => {
  it.each<[unknown, LinkRejection]>([
    ['javascript:alert(1)', 'unknown-scheme'],
    ['JavaScript:alert(document.cookie)//tel:1', 'unknown-scheme'],
    ['http://example.com/tel:0312345678', 'unknown-scheme'],
    ['https://example.com', 'unknown-scheme'],
    ['file:///C:/Windows/System32/calc.exe', 'unknown-scheme'],
    ['smb://attacker.example/share/payload.exe', 'unknown-scheme'],
    ['ms-msdt:/id PCWDiagnostic', 'unknown-scheme'],
    ['C:\\Windows\\System32\\calc.exe', 'unknown-scheme'],
    ['--inspect=9229', 'unknown-scheme'],
    ['--gpu-launcher="cmd /c calc"', 'unknown-scheme'],
    ['--remote-debugging-port=9222', 'unknown-scheme'],
    ['-e', 'unknown-scheme'],
    ['0312345678', 'unknown-scheme'],
    ['tel 0312345678', 'unknown-scheme'],
    [':0312345678', 'unknown-scheme'],
    ['tel:123 --gpu-launcher="cmd"', 'invalid-characters'],
    ['tel:123" --gpu-launcher="cmd /c calc', 'invalid-characters'],
    ['tel:123;--gpu-launcher="cmd"', 'invalid-characters'],
    ['tel:%00', 'invalid-characters'],
    ['tel:123\u0000', 'invalid-characters'],
    ['tel:12%0A34', 'invalid-characters'],
    ['tel:12%0D%0A34', 'invalid-characters'],
    ['tel:12\t34', 'invalid-characters'],
    ['tel:\u202E0110', 'invalid-characters'], // RIGHT-TO-LEFT OVERRIDE
    ['tel:011%E2%80%AE0', 'invalid-characters'], // the same, percent-encoded
    ['tel:0110\u2066', 'invalid-characters'], // LEFT-TO-RIGHT ISOLATE
    ['tel:01\u200B10', 'invalid-characters'], // ZERO WIDTH SPACE
    ['tel:01\u202810', 'invalid-characters'], // LINE SEPARATOR
    ['tel:01\uD80010', 'invalid-characters'], // lone surrogate
    ['sip:1001@pbx.example.jp?Replaces=%00', 'invalid-characters'],
    ['sip:1001@pbx.example.jp;x=%E2%80%AE', 'invalid-characters'],
    ['tsunagu://dial?number=1&note=%0A', 'invalid-characters'],
    ['tel:1%2500', 'invalid-characters'], // decoded once only: the '%' that is left is refused
    [`tel:${'1'.repeat(100_000)}`, 'too-long'],
    [`sip:a@b?${'x'.repeat(100_000)}`, 'too-long'],
    ['x'.repeat(100_000), 'too-long'],
    [' '.repeat(3000) + 'tel:1', 'too-long'],
    ['', 'malformed'],
    ['   ', 'malformed'],
    [null, 'malformed'],
    [undefined, 'malformed'],
    [42, 'malformed'],
    [{ toString: () => 'tel:1' }, 'malformed'],
    [['tel:1'], 'malformed'],
  ])('%j is refused: %s', (link, reason) => {
    expect(reasonOf(link)).toBe(reason);
  });

  it('never throws, even for inputs whose coercion throws', () => {
    const evil = {
      toString() {
        throw new Error('boom');
      },
    };
    expect(parseCallLink(evil)).toEqual({ ok: false, reason: 'malformed' });
    expect(parseCallLink(Symbol('tel:1'))).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('display', () => {
  it('is what the user clicked, trimmed', () => {
    expect(parseCallLink('  tel:03-1234-5678;ext=12 ')).toEqual({ ok: true, target: '0312345678', display: 'tel:03-1234-5678;ext=12' });
  });

  it('is capped at 256 code points', () => {
    const link = `sip:1001@pbx.example.jp?subject=${'x'.repeat(300)}`;
    const parsed = parseCallLink(link);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(Array.from(parsed.display)).toHaveLength(256);
    expect(parsed.display.endsWith('…')).toBe(true);
    expect(parsed.display.startsWith('sip:1001@pbx.example.jp?subject=')).toBe(true);
  });
});

describe('isCallLink', () => {
  it.each(['tel:1', 'TEL:1', 'sip:a@b', 'SIPS:a@b', 'callto:1', 'tsunagu://dial?number=1', 'tel:', 'tel:anything at all'])('%j → true', (arg) => {
    expect(isCallLink(arg)).toBe(true);
  });

  it.each(['', 'tel', 'telephone:1', 'sipx:a@b', ' tel:1', '--tel:1', '-tel:1', 'http://x/tel:1', 'C:\\tel:1', '--inspect=9229'])('%j → false', (arg) => {
    expect(isCallLink(arg)).toBe(false);
  });

  it('knows every scheme in LINK_SCHEMES', () => {
    for (const scheme of LINK_SCHEMES) expect(isCallLink(`${scheme}:x`)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** Strings that reach deep into the parser: one of our schemes, then URI-ish text. */
const URI_ALPHABET = [
  ...'0123456789',
  ...'abcxyzABC',
  ...'+*#-.()[]/ :;?&=@%_~!$\',"<>\\',
  '%23',
  '%20',
  '%00',
  '%0A',
  '%3B',
  '%40',
  '%E2%80%AE',
  '\u202E',
  '\n',
  '\t',
  '０',
  '３',
  'ー',
  '＋',
  '＃',
  'user=phone',
  'phone-context=+81',
  'phone-context=example.com',
  'ext=1',
  'example.com',
  '[2001:db8::1]',
  '192.0.2.4',
  ':5061',
  '//',
  'dial?number=',
  '--gpu-launcher=',
];
const linkish = fc
  .tuple(
    fc.constantFrom(...LINK_SCHEMES, 'TEL', 'Sip', 'http', 'javascript', '--inspect'),
    fc.array(fc.constantFrom(...URI_ALPHABET), { maxLength: 40 }),
  )
  .map(([scheme, parts]) => `${scheme}:${parts.join('')}`);
const validSipUri = fc
  .tuple(
    fc.constantFrom('sip', 'sips', 'SIP'),
    fc.stringMatching(/^[A-Za-z0-9+*][A-Za-z0-9._~+*-]{0,20}$/),
    fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]([a-z0-9-]{0,10}[a-z0-9])?){0,3}$/),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    fc.constantFrom('', ';transport=ws', ';user=phone;lr', '?Replaces=abc%3Bto-tag%3Dx', ';x=1?a=b&c=d'),
  )
  .map(([scheme, user, host, port, tail]) => `${scheme}:${user}@${host}${port === undefined ? '' : `:${port}`}${tail}`);
const anyInput = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), linkish, validSipUri);

describe('properties', () => {
  it('(1) parseCallLink never throws, for any input', () => {
    fc.assert(
      fc.property(fc.oneof(anyInput, fc.anything()), (input) => {
        const parsed = parseCallLink(input);
        expect(typeof parsed.ok).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('(2) an accepted target is a dial string or a strict SIP URI, nothing else', () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyInput, (input) => {
        const parsed = parseCallLink(input);
        if (!parsed.ok) return;
        accepted += 1;
        const { target } = parsed;
        expect(DIAL_STRING.test(target) || (STRICT_SIP_URI.test(target) && target.length <= 256)).toBe(true);
        expect(target.length).toBeLessThanOrEqual(256);
        expect(target).not.toMatch(/[\s;?<>"'`%\\]/);
        // Every accepted link is one isCallLink would have picked out of argv.
        expect(isCallLink(input.trim())).toBe(true);
        expect(Array.from(parsed.display).length).toBeLessThanOrEqual(256);
      }),
      { numRuns: 5000 },
    );
    // The generators must actually reach the accepting paths, or the property proves nothing.
    expect(accepted).toBeGreaterThan(100);
  });

  it('(2b) valid SIP URIs are accepted, canonical and stable when parsed again', () => {
    fc.assert(
      fc.property(validSipUri, (link) => {
        const target = targetOf(link);
        expect(target).toMatch(STRICT_SIP_URI);
        expect(target).not.toMatch(/[;?]/);
        expect(targetOf(target)).toBe(target);
      }),
    );
  });

  it('(3) visual separators inserted into a tel: number never change the target', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\+?[0-9*#]{1,20}$/),
        fc.array(fc.constantFrom('-', '.', '(', ')', ' ', '%20', '%2D', 'ー', '－', '　', '（', '）', '‐', '−'), { maxLength: 10 }),
        fc.nat(),
        fc.constantFrom('tel:', 'TEL:', 'callto:', 'tsunagu://dial?number='),
        (digits, separators, seed, prefix) => {
          const plain = targetOf(`${prefix}${digits.replaceAll('#', '%23')}`);
          expect(plain).toBe(digits);
          // Insert whole tokens, so a separator never lands inside another one's %-escape.
          const tokens = Array.from(digits, (char) => (char === '#' ? '%23' : char));
          separators.forEach((separator, i) => {
            const at = 1 + ((seed + i * 7) % Math.max(1, tokens.length));
            tokens.splice(at, 0, separator);
          });
          expect(targetOf(`${prefix}${tokens.join('')}`)).toBe(digits);
        },
      ),
    );
  });

  it('(3b) a dial-string target round-trips through tel:', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const parsed = parseCallLink(input);
        if (parsed.ok && DIAL_STRING.test(parsed.target)) expect(targetOf(`tel:${parsed.target}`)).toBe(parsed.target);
      }),
    );
  });

  it('(4) isCallLink is false for anything that looks like an argv switch', () => {
    fc.assert(
      fc.property(fc.constantFrom('-', '--', '/'), fc.oneof(fc.string(), linkish), (dash, rest) => {
        expect(isCallLink(`${dash}${rest}`)).toBe(false);
        // And such a string is never accepted as a link either.
        expect(parseCallLink(`${dash}${rest}`).ok).toBe(false);
      }),
    );
  });
});
