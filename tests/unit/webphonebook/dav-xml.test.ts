// The DAV XML reader: namespaces resolved whatever the prefixes, entities decoded by us only
// (no DTD, no expansion), anything not well-formed refused instead of half-read.

import { describe, expect, it } from 'vitest';
import { NS_CARDDAV, NS_DAV, XmlError, child, multistatus, parseXml, prop } from '../../../src-main/webphonebook/dav-xml';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseXml', () => {
  it('resolves namespaces by URI, not by prefix (Radicale: default DAV: + CR:, others: d:/D:/card:)', () => {
    const radicale = parseXml(bytes('<?xml version="1.0"?><multistatus xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><response><href>/a/b.vcf</href><propstat><prop><getetag>"1"</getetag><CR:address-data>BEGIN:VCARD</CR:address-data></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>'));
    const other = parseXml(bytes('<D:multistatus xmlns:D="DAV:"><D:response><D:href>/a/b.vcf</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag><x:address-data xmlns:x="urn:ietf:params:xml:ns:carddav">BEGIN:VCARD</x:address-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>'));
    for (const root of [radicale, other]) {
      const [response] = multistatus(root) ?? [];
      expect(response?.href).toBe('/a/b.vcf');
      expect(prop(response!, NS_DAV, 'getetag')?.text).toBe('"1"');
      expect(prop(response!, NS_CARDDAV, 'address-data')?.text).toBe('BEGIN:VCARD');
    }
  });

  it('keeps properties of non-2xx propstats out, and reads a response-level status', () => {
    const root = parseXml(bytes('<d:multistatus xmlns:d="DAV:"><d:response><d:href>/x</d:href><d:propstat><d:prop><d:displayname>ok</d:displayname></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:propstat><d:prop><d:getctag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response><d:response><d:href>/gone</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response></d:multistatus>'));
    const [first, second] = multistatus(root)!;
    expect(first?.props.map((p) => p.name)).toEqual(['displayname']);
    expect(second).toMatchObject({ href: '/gone', status: 404 });
  });

  it('decodes the predefined entities and character references, leaves CDATA literal', () => {
    const root = parseXml(bytes('<a>FN:A &amp; B &lt;b&gt; &#x3042;&#12354; &quot;&apos;<![CDATA[&amp;<raw>]]></a>'));
    expect(root.text).toBe(`FN:A & B <b> ああ "'&amp;<raw>`);
  });

  it('refuses a DOCTYPE (entity declarations), an unknown entity, truncated or non-XML input', () => {
    const reason = (text: string | Uint8Array) => {
      try {
        parseXml(typeof text === 'string' ? bytes(text) : text);
        return 'parsed';
      } catch (err) {
        return err instanceof XmlError ? err.reason : 'other';
      }
    };
    expect(reason('<!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;&x;</a>')).toBe('doctype');
    expect(reason('<a>&nbsp;</a>')).toBe('malformed-xml');
    expect(reason('<a>&#0;</a>')).toBe('malformed-xml');
    expect(reason('<d:multistatus xmlns:d="DAV:"><d:response><d:href>/x</d:href>')).toBe('malformed-xml');
    expect(reason('<a><b></a>')).toBe('malformed-xml');
    expect(reason('not xml at all')).toBe('malformed-xml');
    expect(reason('<x:a>undeclared prefix</x:a>')).toBe('malformed-xml');
    expect(reason(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]))).toBe('bad-encoding');
    expect(reason(`${'<a>'.repeat(200)}${'</a>'.repeat(200)}`)).toBe('malformed-xml');
  });

  it('an HTML page is XML-ish but not a multistatus', () => {
    const root = parseXml(bytes('<html><body><p>It works!</p></body></html>'));
    expect(multistatus(root)).toBeNull();
    expect(child(root, '', 'body')).toBeDefined();
  });
});
