import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDialable, normalizeDialInput } from '../../../src-renderer/ui/keypad/dial-string';

describe('normalizeDialInput', () => {
  it.each([
    ['03-1234-5678', '0312345678'],
    ['(03) 1234-5678', '0312345678'],
    ['０３－１２３４－５６７８', '0312345678'],
    ['（０３）１２３４ー５６７８', '0312345678'],
    ['+81 3 1234 5678', '+81312345678'],
    ['+81-90-1111-2222', '+819011112222'],
    ['03.1234.5678', '0312345678'],
    ['*21*1001#', '*21*1001#'],
    ['  1002\n', '1002'],
    ['1+2', '12'],
    ['TEL: 03-1234-5678', '0312345678'],
    ['abc', ''],
    ['sip:1002@lab.test', 'sip:1002@lab.test'],
    [' 1002@lab.test ', '1002@lab.test'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeDialInput(raw)).toBe(expected);
  });

  it('formatting never changes the result: separators inserted anywhere are removed', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\+?[0-9*#]{1,20}$/),
        fc.array(fc.constantFrom('-', ' ', '(', ')', '.', 'ー', '－', '　'), { maxLength: 10 }),
        fc.nat(),
        (digits, separators, seed) => {
          let text = digits;
          separators.forEach((sep, i) => {
            const at = 1 + ((seed + i * 7) % Math.max(1, text.length));
            text = text.slice(0, at) + sep + text.slice(at);
          });
          expect(normalizeDialInput(text)).toBe(digits);
        },
      ),
    );
  });

  it('always yields a dialable string, nothing, or a lone + (the first keystroke of +81…)', () => {
    expect(isDialable('+')).toBe(false); // so the call button stays disabled for it
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (raw) => {
        const out = normalizeDialInput(raw);
        if (out !== '' && out !== '+' && !out.includes('@') && !/^sips?:/i.test(out)) expect(isDialable(out)).toBe(true);
        expect(out.length).toBeLessThanOrEqual(256);
      }),
    );
  });
});
