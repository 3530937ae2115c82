// The CardDAV XML reader on what a broken or hostile server sends: random bytes, valid answers
// cut or corrupted anywhere, nesting bombs, entities. It answers or refuses with an XmlError;
// nothing else ever escapes (the sync turns an XmlError into 'bad-response' and keeps the cache).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XmlError, multistatus, parseXml, prop, NS_DAV } from '../../../src-main/webphonebook/dav-xml';

const VALID = Buffer.from(
  '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">' +
    '<d:response><d:href>/a/1.vcf</d:href><d:propstat><d:prop><d:getetag>"e1"</d:getetag>' +
    '<c:address-data>BEGIN:VCARD&#13;\nFN:山田 &amp; 太郎\nEND:VCARD</c:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>' +
    '<d:response><d:href>/a/2.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:sync-token>t-1</d:sync-token></d:multistatus>',
  'utf8',
);

function read(bytes: Uint8Array): 'ok' | 'refused' {
  try {
    const root = parseXml(bytes);
    // Whatever was accepted can be walked without throwing.
    for (const response of multistatus(root) ?? []) void prop(response, NS_DAV, 'getetag')?.text;
    return 'ok';
  } catch (err) {
    if (err instanceof XmlError) return 'refused';
    throw err;
  }
}

const mutated = fc.oneof(
  fc.nat({ max: VALID.length }).map((cut) => VALID.subarray(0, cut)),
  fc.tuple(fc.nat({ max: VALID.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
    const copy = Buffer.from(VALID);
    copy[at] = byte;
    return copy;
  }),
  fc.tuple(fc.nat({ max: VALID.length }), fc.constantFrom('<', '>', '&', '&amp', '&#xFFFFFFFF;', ']]>', '<![CDATA[', '<!DOCTYPE x [<!ENTITY a "aaaa">]>', '</d:response>', '\u0000', 'xmlns:d="evil"')).map(([at, text]) =>
    Buffer.concat([VALID.subarray(0, at), Buffer.from(text, 'utf8'), VALID.subarray(at)]),
  ),
);

describe('DAV XML reader: hostile answers', () => {
  it('a valid answer reads', () => {
    expect(read(VALID)).toBe('ok');
  });

  it('random bytes, cut or corrupted answers: read or refused with an XmlError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 4000 }), mutated), (bytes) => {
        expect(['ok', 'refused']).toContain(read(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('a cut answer is never read as a complete one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: VALID.length - 1 }), (cut) => {
        expect(read(VALID.subarray(0, cut))).toBe('refused');
      }),
    );
  });

  it('deep nesting and huge entity counts are refused or read quickly, never recursed to death', () => {
    for (const depth of [1_000, 100_000]) expect(read(Buffer.from(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`))).toBe('refused');
    const started = performance.now();
    expect(read(Buffer.from(`<a>${'&amp;'.repeat(200_000)}</a>`))).toBe('ok');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
