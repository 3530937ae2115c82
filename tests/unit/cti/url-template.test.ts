// CTI URL templates: a caller's number and name go into the customer's CRM URL. The values are
// hostile text (a SIP display name is whatever the other side chose), so the assertions are on
// what a browser would make of the filled URL: which site, which path, which query parameters.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CtiPlaceholder } from '../../../src-preload/contract';
import { CTI_VALUE_MAX_CODE_POINTS, fillCtiTemplate, inertCtiValue } from '../../../src-main/cti/url-template';

const CALL_ID = '3f1c2a4e-8b7d-4c21-9a0e-5d6f7b8c9d01';
const values = (over: Partial<Record<CtiPlaceholder, string>> = {}): Record<CtiPlaceholder, string> => ({
  number: '0312345678',
  name: '山田 太郎',
  called: '1001@pbx.example.jp',
  line: '代表',
  direction: 'incoming',
  callId: CALL_ID,
  ...over,
});
const codePoints = (text: string) => [...text].length;

describe('fillCtiTemplate', () => {
  it('encodes & # spaces and Japanese exactly, so a name cannot add query parameters', () => {
    const url = fillCtiTemplate('https://crm.example.jp/reception?tel={number}&name={name}', values({ name: '山田 & 佐藤 #1' }));
    expect(url).toBe('https://crm.example.jp/reception?tel=0312345678&name=%E5%B1%B1%E7%94%B0%20%26%20%E4%BD%90%E8%97%A4%20%231');
    const parsed = new URL(url!);
    expect([...parsed.searchParams.keys()]).toEqual(['tel', 'name']);
    expect(parsed.searchParams.get('name')).toBe('山田 & 佐藤 #1');
    expect(parsed.hash).toBe('');

    // The classic attempts: another parameter, a second value of ours, a fragment, a path.
    const hostile = fillCtiTemplate('https://crm.example.jp/r?name={name}&admin=0', values({ name: 'x&admin=1&name=y#frag' }));
    const h = new URL(hostile!);
    expect([...h.searchParams.entries()]).toEqual([
      ['name', 'x&admin=1&name=y#frag'],
      ['admin', '0'],
    ]);
    expect(h.hash).toBe('');
    const plus = new URL(fillCtiTemplate('https://crm.example.jp/r?q={number}', values({ number: '+81 3-1234-5678' }))!);
    expect(plus.search).toBe('?q=%2B81%203-1234-5678');
    expect(plus.searchParams.get('q')).toBe('+81 3-1234-5678');
  });

  it('fills every occurrence, in the path, the query and the fragment, and never re-reads a value', () => {
    expect(fillCtiTemplate('https://crm.example.jp/c/{number}/calls?n={number}&dir={direction}&id={callId}#{line}', values())).toBe(
      `https://crm.example.jp/c/0312345678/calls?n=0312345678&dir=incoming&id=${CALL_ID}#%E4%BB%A3%E8%A1%A8`,
    );
    // A value that looks like a placeholder stays text.
    const url = fillCtiTemplate('https://crm.example.jp/?a={name}&b={number}', values({ name: '{number}' }));
    expect(new URL(url!).searchParams.get('a')).toBe('{number}');
    expect(url).toContain('a=%7Bnumber%7D');
    // No placeholder at all: the template as it is.
    expect(fillCtiTemplate('https://crm.example.jp/inbox', values())).toBe('https://crm.example.jp/inbox');
  });

  it('refuses a placeholder in the scheme, host, port or user part', () => {
    for (const template of [
      'https://{name}.example.jp/',
      'https://crm.example.jp{number}/',
      'https://crm.example.jp:{number}/',
      'https://{name}@crm.example.jp/',
      '{name}://crm.example.jp/',
      'https://crm.{line}.example.jp/?q={number}',
    ]) {
      expect(fillCtiTemplate(template, values({ name: 'evil.example', number: '1' })), template).toBeNull();
    }
  });

  it('refuses unknown placeholders and stray braces', () => {
    expect(fillCtiTemplate('https://crm.example.jp/?mail={email}', values())).toBeNull();
    expect(fillCtiTemplate('https://crm.example.jp/?n={Number}', values())).toBeNull();
    expect(fillCtiTemplate('https://crm.example.jp/?n={number', values())).toBeNull();
    expect(fillCtiTemplate('https://crm.example.jp/?n=number}', values())).toBeNull();
    expect(fillCtiTemplate('https://crm.example.jp/?n={{number}}', values())).toBeNull();
  });

  it('allows http only on this machine, and nothing but http(s)', () => {
    expect(fillCtiTemplate('http://crm.example.jp/?n={number}', values())).toBeNull();
    expect(fillCtiTemplate('http://192.168.1.10/?n={number}', values())).toBeNull();
    expect(fillCtiTemplate('http://127.0.0.1:8080/?n={number}', values())).toBe('http://127.0.0.1:8080/?n=0312345678');
    expect(fillCtiTemplate('http://localhost/?n={number}', values())).toBe('http://localhost/?n=0312345678');
    expect(fillCtiTemplate('http://[::1]:3000/c/{number}', values())).toBe('http://[::1]:3000/c/0312345678');
    for (const template of ['javascript://x/%0aalert({name})', 'file:///C:/crm/{number}', 'ftp://crm.example.jp/{number}', 'data://x/{name}', 'https://u:p@crm.example.jp/{number}', '']) {
      expect(fillCtiTemplate(template, values()), template).toBeNull();
    }
  });

  it('caps a 100 kB name to 128 code points without splitting a surrogate pair', () => {
    const huge = '山'.repeat(100_000);
    const url = fillCtiTemplate('https://crm.example.jp/?name={name}', values({ name: huge }));
    expect(new URL(url!).searchParams.get('name')).toBe('山'.repeat(CTI_VALUE_MAX_CODE_POINTS));
    expect(url!.length).toBeLessThan(1_300);

    // 127 ASCII letters and then emoji (two UTF-16 units each): the 128th code point is a whole emoji.
    const edge = `${'a'.repeat(127)}😀😀😀`;
    const capped = inertCtiValue(edge);
    expect(capped).toBe(`${'a'.repeat(127)}😀`);
    expect(codePoints(capped)).toBe(128);
    expect(inertCtiValue('😀'.repeat(50_000))).toBe('😀'.repeat(128));
  });

  it('strips the RTL override and other bidi, zero-width and control characters; NFC', () => {
    // "invoice‮fdp.exe" would read as "invoiceexe.pdf".
    expect(inertCtiValue('invoice\u202efdp.exe')).toBe('invoicefdp.exe');
    const url = fillCtiTemplate('https://crm.example.jp/?name={name}', values({ name: '\u202e山田\u2066\u2069\u200b\u200d\ufeff\u200e\u200f\u061c 太郎\u202a\u202c' }));
    expect(new URL(url!).searchParams.get('name')).toBe('山田 太郎');
    expect(url).not.toMatch(/%E2%80%AE|%E2%81%A6|%E2%80%8B|%EF%BB%BF/);
    expect(inertCtiValue('a\u0000b\tc\r\nd\u007fe\u0085f\u009fg')).toBe('abcdefg');
    // Composed: the same name typed on a Mac (decomposed) and on Windows is one value.
    expect(inertCtiValue('\u30ab\u3099')).toBe('\u30ac');
    expect(inertCtiValue('e\u0000\u0301')).toBe('é');
    // A lone surrogate (which encodeURIComponent would throw on) is dropped; a pair is kept.
    expect(inertCtiValue('a\ud800b\udc00c😀')).toBe('abc😀');
    expect(fillCtiTemplate('https://crm.example.jp/?n={name}', values({ name: 'x\ud83d' }))).toBe('https://crm.example.jp/?n=x');
  });

  it('refuses values that would be a . or .. path segment (the URL would climb the template path)', () => {
    const template = 'https://crm.example.jp/app/customers/{number}/detail';
    expect(fillCtiTemplate(template, values({ number: '..' }))).toBeNull();
    expect(fillCtiTemplate(template, values({ number: '.' }))).toBeNull();
    expect(fillCtiTemplate(template, values({ number: '.\u200b.' }))).toBeNull();
    expect(fillCtiTemplate('https://crm.example.jp/app/{number}{name}/x', values({ number: '.', name: '.' }))).toBeNull();
    // Not dot segments: kept, and the path stays under the template's.
    expect(fillCtiTemplate(template, values({ number: '...' }))).toBe('https://crm.example.jp/app/customers/.../detail');
    expect(fillCtiTemplate(template, values({ number: '%2e%2e' }))).toBe('https://crm.example.jp/app/customers/%252e%252e/detail');
    expect(fillCtiTemplate(template, values({ number: '../../admin' }))).toBe('https://crm.example.jp/app/customers/..%2F..%2Fadmin/detail');
    // In the query a dot is just a dot.
    expect(fillCtiTemplate('https://crm.example.jp/app?n={number}', values({ number: '..' }))).toBe('https://crm.example.jp/app?n=..');
  });
});

// ---------------------------------------------------------------------------------------------

/** One UTF-16 unit of anything (lone surrogates included), or a character chosen to hurt. */
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.constantFrom('&', '#', '=', '?', '/', '\\', '+', '%', ' ', '.', '{', '}', '@', ':', '\u202e', '\u200b', '\ufeff', '\u0000', '\n', '😀', '山', 'ｱ', 'e\u0301') },
  { weight: 2, arbitrary: fc.constantFrom('a', 'Z', '0', '9', '-', '_') },
);
const value = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit, maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '.\u200b.', '%2e%2e', '../..', '\u202e..') },
);
const valuesArb = fc.record({ number: value, name: value, called: value, line: value, direction: value, callId: value });
const isDotSegment = (text: string) => text === '.' || text === '..';

describe('fillCtiTemplate (property)', () => {
  it('for any values: parses, keeps the origin and path prefix, and each value decodes back to its sanitised self', () => {
    const template = 'https://crm.example.jp/app/customers/{number}/detail?name={name}&called={called}&line={line}&dir={direction}#call-{callId}';
    fc.assert(
      fc.property(valuesArb, (v) => {
        const url = fillCtiTemplate(template, v);
        if (isDotSegment(inertCtiValue(v.number))) {
          expect(url).toBeNull();
          return;
        }
        expect(url).not.toBeNull();
        const parsed = new URL(url!);
        expect(parsed.origin).toBe('https://crm.example.jp');
        expect(parsed.pathname.startsWith('/app/customers/')).toBe(true);
        const segments = parsed.pathname.split('/');
        expect(segments).toHaveLength(5);
        expect(segments[4]).toBe('detail');
        expect(decodeURIComponent(segments[3]!)).toBe(inertCtiValue(v.number));
        expect([...parsed.searchParams.keys()]).toEqual(['name', 'called', 'line', 'dir']);
        expect(parsed.searchParams.get('name')).toBe(inertCtiValue(v.name));
        expect(parsed.searchParams.get('called')).toBe(inertCtiValue(v.called));
        expect(parsed.searchParams.get('line')).toBe(inertCtiValue(v.line));
        expect(parsed.searchParams.get('dir')).toBe(inertCtiValue(v.direction));
        expect(decodeURIComponent(parsed.hash.slice(1))).toBe(`call-${inertCtiValue(v.callId)}`);
      }),
      { numRuns: 2_000 },
    );
  });

  it('for any values on a loopback http template with placeholders side by side in the path', () => {
    const template = 'http://127.0.0.1:8080/cti/{line}/{name}-{number}?d={direction}';
    fc.assert(
      fc.property(valuesArb, (v) => {
        const url = fillCtiTemplate(template, v);
        // '{name}-{number}' always holds the '-': never a dot segment.
        if (isDotSegment(inertCtiValue(v.line))) {
          expect(url).toBeNull();
          return;
        }
        const parsed = new URL(url!);
        expect(parsed.origin).toBe('http://127.0.0.1:8080');
        const segments = parsed.pathname.split('/');
        expect(segments.slice(0, 2)).toEqual(['', 'cti']);
        expect(segments).toHaveLength(4);
        expect(decodeURIComponent(segments[2]!)).toBe(inertCtiValue(v.line));
        expect(decodeURIComponent(segments[3]!)).toBe(`${inertCtiValue(v.name)}-${inertCtiValue(v.number)}`);
        expect([...parsed.searchParams.entries()]).toEqual([['d', inertCtiValue(v.direction)]]);
      }),
      { numRuns: 1_000 },
    );
  });

  it('sanitised values are well-formed, visible, composed and at most 128 code points', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 400 }), (raw) => {
        const clean = inertCtiValue(raw);
        expect(codePoints(clean)).toBeLessThanOrEqual(CTI_VALUE_MAX_CODE_POINTS);
        expect(() => encodeURIComponent(clean)).not.toThrow();
        // eslint-disable-next-line no-control-regex -- asserting their absence
        expect(clean).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/);
        // Idempotent: a value already made inert stays as it is.
        expect(inertCtiValue(clean)).toBe(clean);
      }),
      { numRuns: 2_000 },
    );
  });
});
