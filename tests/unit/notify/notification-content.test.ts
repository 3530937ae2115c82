import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NOTIFICATION_LABELS,
  NOTIFICATION_LIMITS,
  incomingCallNotification,
  isToastCallId,
  missedCallNotification,
  notificationText,
  parseToastActivation,
  type IncomingCallInfo,
} from '../../../src-main/notify/notification-content';

const CALL_ID = '3f0c1b8e-6a2d-4c51-9e7a-2b4d6f8a0c1e';
const PLATFORMS = ['win32', 'darwin', 'linux', 'freebsd'] as const;
const LANGUAGES = ['ja', 'en'] as const;

/** Controls, bidi embeddings/overrides/isolates/marks, zero-width and other format chars. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\uFFFE\uFFFF]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function info(overrides: Partial<IncomingCallInfo> = {}): IncomingCallInfo {
  return { callerName: '山田 太郎', callerNumber: '0312345678', calledLine: '代表 1001', callId: CALL_ID, ...overrides };
}

// ---------------------------------------------------------------------------------------------
// A small, strict XML well-formedness checker (no dependency): one root element, balanced
// tags, quoted attributes without duplicates, no raw '<' or stray '&' in text or attribute
// values, only characters XML 1.0 allows. Returns the element tree so tests can read it back.

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/;
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function decodeEntities(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const ch = raw[i]!;
    if (ch === '<') throw new Error(`raw '<' at ${i}`);
    if (ch !== '&') {
      out += ch;
      i += 1;
      continue;
    }
    const match = ENTITY.exec(raw.slice(i));
    if (!match) throw new Error(`stray '&' at ${i}`);
    const entity = match[0];
    const named: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
    out += named[entity] ?? String.fromCodePoint(Number(entity.startsWith('&#x') ? `0x${entity.slice(3, -1)}` : entity.slice(2, -1)));
    i += entity.length;
  }
  return out;
}

function parseXml(xml: string): XmlElement {
  if (!XML_CHAR.test(xml)) throw new Error('character not allowed in XML');
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (pos < xml.length) {
    if (xml[pos] !== '<') {
      const end = xml.indexOf('<', pos);
      const text = xml.slice(pos, end === -1 ? xml.length : end);
      const parent = stack.at(-1);
      if (!parent) {
        if (text.trim() !== '') throw new Error('text outside the root element');
      } else {
        parent.children.push(decodeEntities(text));
      }
      pos = end === -1 ? xml.length : end;
      continue;
    }
    if (xml.startsWith('</', pos)) {
      const name = NAME.exec(xml.slice(pos + 2))?.[0];
      if (!name || xml[pos + 2 + name.length] !== '>') throw new Error(`bad end tag at ${pos}`);
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`mismatched </${name}>`);
      pos += name.length + 3;
      continue;
    }
    const name = NAME.exec(xml.slice(pos + 1))?.[0];
    if (!name) throw new Error(`bad tag at ${pos}`);
    if (root && stack.length === 0) throw new Error('second root element');
    pos += 1 + name.length;
    const element: XmlElement = { name, attributes: {}, children: [] };
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(pos))![0];
      pos += ws.length;
      if (xml.startsWith('/>', pos) || xml[pos] === '>') break;
      if (ws === '') throw new Error(`attribute without preceding space at ${pos}`);
      const attr = /^([A-Za-z_][A-Za-z0-9_.:-]*)="([^"]*)"/.exec(xml.slice(pos));
      if (!attr) throw new Error(`bad attribute at ${pos}`);
      if (attr[1]! in element.attributes) throw new Error(`duplicate attribute ${attr[1]}`);
      element.attributes[attr[1]!] = decodeEntities(attr[2]!);
      pos += attr[0].length;
    }
    stack.at(-1)?.children.push(element);
    root ??= element;
    if (xml.startsWith('/>', pos)) {
      pos += 2;
    } else {
      pos += 1;
      stack.push(element);
    }
  }
  if (!root) throw new Error('no root element');
  if (stack.length !== 0) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  return root;
}

function find(element: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const child of element.children) {
    if (typeof child === 'string') continue;
    if (child.name === name) out.push(child);
    out.push(...find(child, name));
  }
  return out;
}

function textOf(element: XmlElement): string {
  return element.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

function unescapeMarkup(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('the XML checker itself', () => {
  it('accepts well-formed and rejects malformed XML', () => {
    expect(parseXml('<a x="1"><b>t &amp; &lt;u&gt;</b><c/></a>').children).toHaveLength(2);
    for (const bad of ['<a>', '<a></b>', '<a>x & y</a>', '<a>x < y</a>', '<a x="<"/>', '<a x="1" x="2"/>', '<a/><b/>', '<a x=1/>', '<a>\u0001</a>', 'x<a/>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('notificationText (the sanitiser)', () => {
  it.each([
    ['plain', '山田 太郎', '山田 太郎'],
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['collapses whitespace and line breaks', '  山田\r\n\t太郎 \u3000 様 ', '山田 太郎 様'],
    ['strips an RTL override', 'evil\u202Egnp.exe', 'evilgnp.exe'],
    ['strips isolates and marks', '\u2066a\u2069\u200Eb\u200Fc\u061C', 'abc'],
    ['strips zero-width characters', 'ya\u200Bma\u200Dd\uFEFFa\u2060', 'yamada'],
    ['strips C0 controls and DEL', 'a\u0000b\u0007c\u007Fd', 'abcd'],
    ['keeps markup as text (escaping is the caller’s job)', '<b>x</b> &amp;', '<b>x</b> &amp;'],
    ['replaces a lone surrogate', 'a\uD800b', 'a\uFFFDb'],
    ['strips invisible tag characters', 'ok\u{E0041}\u{E0042}', 'ok'],
  ])('%s', (_label, raw, expected) => {
    expect(notificationText(raw, 64)).toBe(expected);
  });

  it('treats NEL as whitespace and other C1 controls as nothing', () => {
    expect(notificationText('a\u0085b\u009Bc', 64)).toBe('a bc');
  });

  it('truncates with an ellipsis and never cuts a surrogate pair or an emoji sequence', () => {
    expect(notificationText('abcdef', 4)).toBe('abc…');
    expect(notificationText('abcd', 4)).toBe('abcd');
    // 😀 is two code units: after "abc" it does not fit in 5 − 1 (the ellipsis), and is
    // dropped whole rather than split.
    expect(notificationText('abc😀de', 5)).toBe('abc…');
    expect(notificationText('abc😀de', 6)).toBe('abc😀…');
    expect(notificationText('abc😀', 5)).toBe('abc😀');
    const family = '👨‍👩‍👧'; // a ZWJ sequence: ZWJ is stripped, leaving three emoji
    expect(notificationText(`a${family}`, 4)).toBe('a👨…');
    // A base letter with a combining mark stays together.
    expect(notificationText('abe\u0301cd', 4)).toBe('ab…');
    expect(notificationText('', 4)).toBe('');
    expect(notificationText('abc', 0)).toBe('');
    expect(notificationText('abc', 1)).toBe('…');
  });

  it('handles a 100 kB hostile string quickly and within the cap', () => {
    const huge = '<b>&'.repeat(25_000) + '\u202E'.repeat(1000);
    const started = performance.now();
    const out = notificationText(huge, 64);
    expect(performance.now() - started).toBeLessThan(500);
    expect(out).toHaveLength(64);
    expect(out.endsWith('…')).toBe(true);
  });

  it('ends with an ellipsis when a huge input is all invisible up to the scan limit', () => {
    expect(notificationText('\u200B'.repeat(100_000) + 'visible', 64)).toBe('…');
  });

  it('property: never emits controls, bidi/format characters or lone surrogates; respects the cap; is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 0, max: 120 }), (raw, max) => {
        const out = notificationText(raw, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(FORBIDDEN);
        expect(out).not.toMatch(LONE_SURROGATE);
        expect(out).not.toMatch(/\s{2}|^\s|\s$/u);
        expect(notificationText(out, max)).toBe(out);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('incomingCallNotification', () => {
  it('shows name, number and called line in Japanese (CloudPhone Biz layout)', () => {
    const n = incomingCallNotification(info(), 'darwin', 'ja');
    expect(n.title).toBe('着信: 山田 太郎');
    expect(n.body).toBe('0312345678\n着信先: 代表 1001');
    expect(n.actions).toEqual([
      { type: 'button', text: '応答' },
      { type: 'button', text: '拒否' },
    ]);
    expect(n.toastXml).toBeNull();
    expect(n.silent).toBe(true);
  });

  it('shows the same in English', () => {
    const n = incomingCallNotification(info(), 'darwin', 'en');
    expect(n.title).toBe('Incoming call: 山田 太郎');
    expect(n.body).toBe('0312345678\nLine: 代表 1001');
    expect(n.actions.map((a) => a.text)).toEqual(['Answer', 'Decline']);
  });

  it('puts the number in the title when there is no name, and says 非通知 when there is neither', () => {
    expect(incomingCallNotification(info({ callerName: null }), 'linux', 'ja')).toMatchObject({ title: '着信: 0312345678', body: '着信先: 代表 1001' });
    expect(incomingCallNotification(info({ callerName: ' \u200B ', calledLine: null }), 'linux', 'ja')).toMatchObject({ title: '着信: 0312345678', body: '' });
    expect(incomingCallNotification(info({ callerName: null, callerNumber: 'anonymous' }), 'darwin', 'ja').title).toBe('着信: 非通知');
    expect(incomingCallNotification(info({ callerName: null, callerNumber: '' }), 'darwin', 'en').title).toBe('Incoming call: Anonymous');
  });

  it('gives macOS buttons only on macOS, and toast XML only on Windows', () => {
    for (const platform of ['linux', 'win32', 'freebsd']) {
      expect(incomingCallNotification(info(), platform, 'ja').actions).toEqual([]);
    }
    for (const platform of ['linux', 'darwin', 'freebsd']) {
      expect(incomingCallNotification(info(), platform, 'ja').toastXml).toBeNull();
    }
  });

  it('builds the Windows toast with foreground activation and 応答 / 拒否 buttons', () => {
    const xml = incomingCallNotification(info(), 'win32', 'ja').toastXml!;
    expect(xml).not.toMatch(/protocol/);
    const toast = parseXml(xml);
    expect(toast.name).toBe('toast');
    expect(toast.attributes).toEqual({ activationType: 'foreground', launch: `show:${CALL_ID}`, scenario: 'incomingCall' });
    expect(find(toast, 'text').map(textOf)).toEqual(['着信: 山田 太郎', '0312345678', '着信先: 代表 1001']);
    expect(find(toast, 'action').map((a) => a.attributes)).toEqual([
      { content: '応答', arguments: `answer:${CALL_ID}`, activationType: 'foreground' },
      { content: '拒否', arguments: `decline:${CALL_ID}`, activationType: 'foreground' },
    ]);
    expect(find(toast, 'audio').map((a) => a.attributes)).toEqual([{ silent: 'true' }]);
    expect(find(toast, 'binding')[0]!.attributes).toEqual({ template: 'ToastGeneric' });
  });

  it('builds the English toast with Answer / Decline', () => {
    const toast = parseXml(incomingCallNotification(info(), 'win32', 'en').toastXml!);
    expect(find(toast, 'action').map((a) => a.attributes.content)).toEqual(['Answer', 'Decline']);
  });

  it('leaves the buttons (and the call id) out of the toast when the call id is not a UUID', () => {
    for (const callId of ['', 'abc', `${CALL_ID}"/><action content="x`, `${CALL_ID}\n`, `answer:${CALL_ID}`, 'a@b.c;tag=1']) {
      const xml = incomingCallNotification(info({ callId }), 'win32', 'ja').toastXml!;
      const toast = parseXml(xml);
      expect(find(toast, 'action')).toEqual([]);
      expect(toast.attributes).toEqual({ activationType: 'foreground', launch: 'show' });
    }
  });

  it('escapes hostile names for Linux body markup and neutralises them in the Linux title', () => {
    const n = incomingCallNotification(info({ callerName: '<b>x</b> & co', callerNumber: '<i>0312</i>', calledLine: '"営業" & \'総務\'' }), 'linux', 'ja');
    expect(n.title).toBe('着信: ＜b＞x＜/b＞ ＆ co');
    expect(n.body).toBe('&lt;i&gt;0312&lt;/i&gt;\n着信先: &quot;営業&quot; &amp; &#39;総務&#39;');
  });

  it('leaves markup characters as text on macOS and Windows (those APIs take plain text)', () => {
    const n = incomingCallNotification(info({ callerName: '<b>x</b> &amp;' }), 'darwin', 'ja');
    expect(n.title).toBe('着信: <b>x</b> &amp;');
    const toast = parseXml(incomingCallNotification(info({ callerName: '<b>x</b> &amp; "q" \'s\'' }), 'win32', 'ja').toastXml!);
    expect(textOf(find(toast, 'text')[0]!)).toBe('着信: <b>x</b> &amp; "q" \'s\'');
  });

  it('strips an RTL override and newlines from the caller name', () => {
    const n = incomingCallNotification(info({ callerName: 'Bank\u202E\nmoc.evil\r\n' }), 'darwin', 'en');
    expect(n.title).toBe('Incoming call: Bank moc.evil');
  });

  it('caps a 100 kB name and keeps an emoji at the truncation boundary whole', () => {
    const huge = incomingCallNotification(info({ callerName: 'あ'.repeat(100_000) }), 'win32', 'ja');
    expect(huge.title.length).toBeLessThanOrEqual(NOTIFICATION_LIMITS.title);
    expect(huge.title.endsWith('…')).toBe(true);
    // 62 letters + 😀 (2 units) = 64: fits exactly; one letter more pushes the emoji out.
    expect(incomingCallNotification(info({ callerName: `${'a'.repeat(62)}😀` }), 'darwin', 'en').title).toBe(`Incoming call: ${'a'.repeat(62)}😀`);
    const cut = incomingCallNotification(info({ callerName: `${'a'.repeat(63)}😀` }), 'darwin', 'en').title;
    expect(cut).toBe(`Incoming call: ${'a'.repeat(63)}…`);
    expect(cut).not.toMatch(LONE_SURROGATE);
  });

  it('keeps the Linux body within its cap even when escaping grows it sixfold', () => {
    const n = incomingCallNotification(info({ callerNumber: "'".repeat(64), calledLine: '&'.repeat(64) }), 'linux', 'ja');
    expect(n.body.length).toBeLessThanOrEqual(NOTIFICATION_LIMITS.body);
    const [number, line] = n.body.split('\n');
    expect(number).toMatch(/^(&#39;)+…$/);
    expect(line).toMatch(/^着信先: (&amp;)+…$/);
  });
});

describe('missedCallNotification', () => {
  it('one missed call: 不在着信 with the caller, not silent, no buttons', () => {
    const n = missedCallNotification({ ...info(), count: 1 }, 'darwin', 'ja');
    expect(n).toEqual({ title: '不在着信: 山田 太郎', body: '0312345678\n着信先: 代表 1001', actions: [], toastXml: null, silent: false });
    expect(missedCallNotification({ ...info(), count: 1 }, 'darwin', 'en').title).toBe('Missed call: 山田 太郎');
  });

  it('several missed calls: the count, and the latest caller', () => {
    expect(missedCallNotification({ ...info(), count: 3 }, 'darwin', 'ja')).toMatchObject({ title: '不在着信 3件', body: '最新: 山田 太郎\n着信先: 代表 1001' });
    expect(missedCallNotification({ ...info({ calledLine: null }), count: 2 }, 'darwin', 'en')).toMatchObject({ title: '2 missed calls', body: 'Latest: 山田 太郎' });
  });

  it('treats a nonsense count as one', () => {
    for (const count of [0, -4, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(missedCallNotification({ ...info(), count }, 'darwin', 'ja').title).toBe('不在着信: 山田 太郎');
    }
  });

  it('builds a Windows toast without buttons that keeps the OS sound', () => {
    const toast = parseXml(missedCallNotification({ ...info({ callerName: 'A & <B>' }), count: 1 }, 'win32', 'ja').toastXml!);
    expect(toast.attributes).toEqual({ activationType: 'foreground', launch: `missed:${CALL_ID}` });
    expect(find(toast, 'action')).toEqual([]);
    expect(find(toast, 'audio')).toEqual([]);
    expect(find(toast, 'text').map(textOf)).toEqual(['不在着信: A & <B>', '0312345678', '着信先: 代表 1001']);
    expect(parseXml(missedCallNotification({ ...info({ callId: 'x' }), count: 5 }, 'win32', 'en').toastXml!).attributes.launch).toBe('missed');
  });

  it('escapes the latest caller in the Linux body', () => {
    expect(missedCallNotification({ ...info({ callerName: '<b>x</b>' }), count: 2 }, 'linux', 'ja').body).toBe('最新: &lt;b&gt;x&lt;/b&gt;\n着信先: 代表 1001');
  });
});

// ---------------------------------------------------------------------------------------------

describe('toast activation arguments', () => {
  it('accepts only what our toasts produce', () => {
    expect(isToastCallId(CALL_ID)).toBe(true);
    expect(isToastCallId(CALL_ID.toUpperCase())).toBe(true);
    expect(isToastCallId(`${CALL_ID} `)).toBe(false);
    expect(parseToastActivation(`answer:${CALL_ID}`)).toEqual({ action: 'answer', callId: CALL_ID });
    expect(parseToastActivation(`decline:${CALL_ID.toUpperCase()}`)).toEqual({ action: 'decline', callId: CALL_ID });
    expect(parseToastActivation('show')).toEqual({ action: 'show', callId: null });
    expect(parseToastActivation(`missed:${CALL_ID}`)).toEqual({ action: 'missed', callId: CALL_ID });
    for (const bad of ['answer', 'answer:', 'answer:x', `answer:${CALL_ID}\n`, `dial:${CALL_ID}`, `show:${CALL_ID};x`, 42, null, undefined]) {
      expect(parseToastActivation(bad), String(bad)).toBeNull();
    }
  });

  it('round-trips the arguments of every toast button', () => {
    const toast = parseXml(incomingCallNotification(info(), 'win32', 'ja').toastXml!);
    const args = [toast.attributes.launch, ...find(toast, 'action').map((a) => a.attributes.arguments)];
    expect(args.map(parseToastActivation)).toEqual([
      { action: 'show', callId: CALL_ID },
      { action: 'answer', callId: CALL_ID },
      { action: 'decline', callId: CALL_ID },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('hostile caller data (properties)', () => {
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '\u202E', '\u2067', '\u200B', '\n', '\r', '\t', '\u0000', 'a', 'あ', '😀', '\u0301', ';', '#', 'amp'), maxLength: 200 }),
    fc.constantFrom('<b>x</b>', '&amp;', '&#60;script&#62;', ']]><!--', '<![CDATA[x]]>', '\u202Eevil', 'a'.repeat(100_000)),
  );
  const callInfo = fc.record({
    callerName: fc.option(hostile, { nil: null }),
    callerNumber: hostile,
    calledLine: fc.option(hostile, { nil: null }),
    callId: fc.oneof(fc.uuid(), hostile),
  });

  it('title and body: no controls or bidi characters, within the caps, no raw markup on Linux', () => {
    fc.assert(
      fc.property(callInfo, fc.constantFrom(...PLATFORMS), fc.constantFrom(...LANGUAGES), fc.integer({ min: 1, max: 99 }), (i, platform, language, count) => {
        for (const n of [incomingCallNotification(i, platform, language), missedCallNotification({ ...i, count }, platform, language)]) {
          expect(n.title.length).toBeLessThanOrEqual(NOTIFICATION_LIMITS.title);
          expect(n.body.length).toBeLessThanOrEqual(NOTIFICATION_LIMITS.body);
          // The body's only line break is ours, between its two lines.
          expect(n.body.split('\n').length).toBeLessThanOrEqual(2);
          for (const text of [n.title, ...n.body.split('\n')]) {
            expect(text).not.toMatch(FORBIDDEN);
            expect(text).not.toMatch(LONE_SURROGATE);
          }
          if (platform === 'linux') {
            expect(n.title).not.toMatch(/[<>&]/);
            expect(n.body).not.toMatch(/[<>"']/);
            // Every '&' starts one of our entities.
            expect(n.body.replace(/&(?:amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the Linux body says exactly what the plain body says, once unescaped', () => {
    fc.assert(
      fc.property(callInfo, fc.constantFrom(...LANGUAGES), (i, language) => {
        const linux = incomingCallNotification(i, 'linux', language).body;
        const plain = incomingCallNotification(i, 'darwin', language).body;
        const a = unescapeMarkup(linux).split('\n');
        const b = plain.split('\n');
        expect(a).toHaveLength(b.length);
        // Escaping can only make a line be cut earlier, never change what it says.
        a.forEach((line, k) => {
          const stem = line.endsWith('…') ? line.slice(0, -1) : line;
          expect(b[k]!.startsWith(stem)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('Windows toast XML is always well-formed and carries the sanitised values verbatim', () => {
    fc.assert(
      fc.property(callInfo, fc.constantFrom(...LANGUAGES), fc.integer({ min: 1, max: 99 }), (i, language, count) => {
        const incoming = incomingCallNotification(i, 'win32', language);
        const toast = parseXml(incoming.toastXml!);
        expect(toast.attributes.activationType).toBe('foreground');
        // Everything interpolated came back out as the same plain text: nothing was read as markup.
        expect(textOf(find(toast, 'text')[0]!)).toBe(incoming.title);
        expect(find(toast, 'text').slice(1).map(textOf).join('\n')).toBe(incoming.body);
        const actions = find(toast, 'action');
        if (isToastCallId(i.callId)) {
          expect(actions.map((a) => a.attributes.arguments)).toEqual([`answer:${i.callId.toLowerCase()}`, `decline:${i.callId.toLowerCase()}`]);
        } else {
          expect(actions).toEqual([]);
          expect(toast.attributes.launch).toBe('show');
        }
        for (const a of actions) expect(a.attributes.activationType).toBe('foreground');
        parseXml(missedCallNotification({ ...i, count }, 'win32', language).toastXml!);
      }),
      { numRuns: 300 },
    );
  });
});

describe('label tables', () => {
  it('have the same keys in both languages', () => {
    expect(Object.keys(NOTIFICATION_LABELS.en).sort()).toEqual(Object.keys(NOTIFICATION_LABELS.ja).sort());
  });
});
