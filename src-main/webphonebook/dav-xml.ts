// WebDAV XML (RFC 4918 multistatus, RFC 6352 CardDAV, RFC 6578 sync) read with fast-xml-parser,
// turned into a small namespace-resolved element tree.
//
// The parser is lenient by design: it happily returns a partial tree for truncated input or an
// HTML page. A truncated multistatus that parsed would look like "fewer changes" and a sync
// would silently lose cards, so every document is validated first (XMLValidator) and refused
// when it is not well-formed. Entities are off: a DOCTYPE (the only way to declare one, and the
// vehicle of billion-laughs and external-entity attacks) is refused outright, and only XML's
// five predefined entities and numeric character references are decoded, by us.

import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const NS_DAV = 'DAV:';
export const NS_CARDDAV = 'urn:ietf:params:xml:ns:carddav';
export const NS_CS = 'http://calendarserver.org/ns/';

export interface XmlElement {
  /** Namespace URI ('' when none). */
  ns: string;
  /** Local name. */
  name: string;
  children: XmlElement[];
  /** Decoded character data directly inside this element (text and CDATA, in order). */
  text: string;
}

/** Why a document was refused; the client wraps it into a 'bad-response' error. */
export class XmlError extends Error {
  constructor(readonly reason: 'malformed-xml' | 'doctype' | 'bad-encoding') {
    super(reason);
    this.name = 'XmlError';
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  // A multistatus is 6-7 levels deep; anything near this is not a DAV response.
  maxNestedTags: 64,
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's predefined entities and character references; anything else is malformed (no DTD). */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError('malformed-xml');
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      // XML 1.0 Char: no NUL, no surrogates, nothing above U+10FFFF.
      if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlError('malformed-xml');
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED[ref];
    if (value === undefined) throw new XmlError('malformed-xml');
    return value;
  });
}

type RawNode = Record<string, unknown>;

function convert(node: RawNode, scope: ReadonlyMap<string, string>): XmlElement | null {
  const tag = Object.keys(node).find((key) => key !== ':@');
  if (tag === undefined || tag === '#text' || tag === '#cdata') return null;
  const attrs = (node[':@'] ?? {}) as Record<string, string>;
  let inner = scope;
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (inner === scope) inner = new Map(scope);
      (inner as Map<string, string>).set(key === 'xmlns' ? '' : key.slice(6), decodeEntities(value));
    }
  }
  const colon = tag.indexOf(':');
  const prefix = colon >= 0 ? tag.slice(0, colon) : '';
  const name = colon >= 0 ? tag.slice(colon + 1) : tag;
  const ns = inner.get(prefix);
  // An undeclared prefix is not namespace-well-formed.
  if (ns === undefined && prefix !== '') throw new XmlError('malformed-xml');
  const element: XmlElement = { ns: ns ?? '', name, children: [], text: '' };
  const content = node[tag];
  if (Array.isArray(content)) {
    for (const child of content as RawNode[]) {
      if ('#text' in child) element.text += decodeEntities(String(child['#text']));
      else if ('#cdata' in child) {
        // CDATA content is literal: no entity decoding.
        const cdata = child['#cdata'];
        if (Array.isArray(cdata)) for (const part of cdata as RawNode[]) element.text += String(part['#text'] ?? '');
      } else {
        const converted = convert(child, inner);
        if (converted) element.children.push(converted);
      }
    }
  }
  return element;
}

/** Parses a DAV response body into its root element; throws XmlError when it is not
 *  well-formed UTF-8 XML, has a DOCTYPE, or has no root. */
export function parseXml(body: Uint8Array): XmlElement {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new XmlError('bad-encoding');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('doctype');
  if (XMLValidator.validate(text) !== true) throw new XmlError('malformed-xml');
  let nodes: RawNode[];
  try {
    nodes = parser.parse(text) as RawNode[];
  } catch {
    throw new XmlError('malformed-xml');
  }
  const scope = new Map<string, string>([['xml', 'http://www.w3.org/XML/1998/namespace']]);
  for (const node of nodes) {
    const element = convert(node, scope);
    if (element) return element;
  }
  throw new XmlError('malformed-xml');
}

export function child(element: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.ns === ns && c.name === name);
}

export function children(element: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return element ? element.children.filter((c) => c.ns === ns && c.name === name) : [];
}

export function is(element: XmlElement | undefined, ns: string, name: string): boolean {
  return element !== undefined && element.ns === ns && element.name === name;
}

/** 'HTTP/1.1 404 Not Found' → 404; null when absent or unreadable. */
export function statusCode(element: XmlElement | undefined): number | null {
  const match = element ? /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(element.text) : null;
  return match ? Number(match[1]) : null;
}

/** One <response> of a multistatus. */
export interface DavResponse {
  /** The href as the server wrote it (trimmed). */
  href: string;
  /** Response-level <status> (members removed in a sync, 404 in a multiget), else null. */
  status: number | null;
  /** Properties from 2xx propstats. */
  props: XmlElement[];
}

export function prop(response: DavResponse, ns: string, name: string): XmlElement | undefined {
  return response.props.find((p) => p.ns === ns && p.name === name);
}

/** The responses of a DAV:multistatus root; null when the root is something else. */
export function multistatus(root: XmlElement): DavResponse[] | null {
  if (!is(root, NS_DAV, 'multistatus')) return null;
  return children(root, NS_DAV, 'response').flatMap((response) => {
    const href = child(response, NS_DAV, 'href')?.text.trim();
    if (!href) return [];
    const props: XmlElement[] = [];
    for (const propstat of children(response, NS_DAV, 'propstat')) {
      const status = statusCode(child(propstat, NS_DAV, 'status'));
      if (status !== null && (status < 200 || status > 299)) continue;
      props.push(...(child(propstat, NS_DAV, 'prop')?.children ?? []));
    }
    return [{ href, status: statusCode(child(response, NS_DAV, 'status')), props }];
  });
}

/** Text for an XML element body. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}
