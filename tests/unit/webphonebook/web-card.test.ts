// vCards from a CardDAV server → ContactInput: the importer's mapping (kana, labels, photo),
// and hostile or sloppy cards kept as inert, truncated text instead of being rejected.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContactInput } from '../../../src-preload/contract';
import { readWebCard } from '../../../src-main/webphonebook/web-card';
import { PHOTO_PNG_BASE64 } from './cards';

const card = (...lines: string[]) => `BEGIN:VCARD\r\n${lines.join('\r\n')}\r\nEND:VCARD\r\n`;

function read(text: string) {
  const result = readWebCard(text);
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  // Whatever comes out must be a contact the contract accepts as it is.
  expect(ContactInput.safeParse(result.card.contact).success).toBe(true);
  return result.card;
}

// The three cards of the lab reference (/work/shared/lab-reference/radicale/vcards), verbatim
// apart from the photo being one line.
const YAMADA = card(
  'VERSION:3.0', 'UID:urn:uuid:0a1b2c3d-0001-4000-8000-000000000001', 'FN:山田 太郎', 'N:山田;太郎;;;', 'SORT-STRING:やまだ たろう',
  'X-PHONETIC-LAST-NAME:やまだ', 'X-PHONETIC-FIRST-NAME:たろう', 'ORG:ラボ商事株式会社', 'TEL;TYPE=WORK,VOICE:03-1234-5678',
  'TEL;TYPE=CELL:090-1111-2222', 'EMAIL;TYPE=INTERNET:taro@example.jp',
);
const SATO = card(
  'VERSION:4.0', 'UID:urn:uuid:0a1b2c3d-0002-4000-8000-000000000002', 'FN:佐藤 花子', 'N;SORT-AS="さとう,はなこ":佐藤;花子;;;',
  'X-PHONETIC-LAST-NAME:サトウ', 'X-PHONETIC-FIRST-NAME:ハナコ', 'TEL;TYPE=work;VALUE=text:+81 3 1234 5678', 'TEL;TYPE=cell;VALUE=uri:tel:+81-80-3333-4444',
);
const SUZUKI = card(
  'VERSION:3.0', 'UID:urn:uuid:0a1b2c3d-0003-4000-8000-000000000003', 'FN:鈴木 一郎', 'N:鈴木;一郎;;;', 'SORT-STRING:すずき いちろう',
  'X-PHONETIC-LAST-NAME:スズキ', 'X-PHONETIC-FIRST-NAME:イチロウ', 'TEL;TYPE=HOME:(03) 5555-0000', 'TEL;TYPE=WORK:+81312345679', 'TEL;TYPE=CELL:0312345678',
  `PHOTO;ENCODING=b;TYPE=PNG:${PHOTO_PNG_BASE64}`,
);

describe('readWebCard: the importer mapping', () => {
  it('reads the lab reference cards: names, kana from X-PHONETIC, labels, numbers as written, photo', () => {
    const yamada = read(YAMADA);
    expect(yamada.uid).toBe('urn:uuid:0a1b2c3d-0001-4000-8000-000000000001');
    expect(yamada.contact).toMatchObject({
      name: '山田 太郎',
      kana: 'やまだ たろう',
      company: 'ラボ商事株式会社',
      email: 'taro@example.jp',
      numbers: [{ label: '会社', number: '03-1234-5678' }, { label: '携帯', number: '090-1111-2222' }],
      photo: null,
      favourite: false,
    });
    expect(yamada.warnings).toEqual([]);

    const sato = read(SATO);
    // X-PHONETIC wins over SORT-AS (the importer's order); the URI's tel: is not part of the number.
    expect(sato.contact).toMatchObject({ name: '佐藤 花子', kana: 'サトウ ハナコ', numbers: [{ number: '+81 3 1234 5678' }, { label: '携帯', number: '+81-80-3333-4444' }] });

    const suzuki = read(SUZUKI);
    expect(suzuki.contact.numbers.map((n) => n.number)).toEqual(['(03) 5555-0000', '+81312345679', '0312345678']);
    expect(suzuki.contact.photo).toBe(`data:image/png;base64,${PHOTO_PNG_BASE64}`);
  });

  it('takes the reading from N;SORT-AS (4.0) or SORT-STRING (3.0) when there is no X-PHONETIC', () => {
    expect(read(card('VERSION:4.0', 'FN:佐藤 花子', 'N;SORT-AS="さとう,はなこ":佐藤;花子;;;')).contact.kana).toBe('さとう はなこ');
    expect(read(card('VERSION:3.0', 'FN:鈴木 一郎', 'SORT-STRING:すずき いちろう')).contact.kana).toBe('すずき いちろう');
    expect(read(card('VERSION:3.0', 'FN:Bob')).contact.kana).toBe('');
  });

  it('accepts folded lines and LF line ends (as address-data arrives after XML normalisation)', () => {
    const folded = `BEGIN:VCARD\nVERSION:3.0\nFN:長い\n  名前\nTEL:03-1234-\n 5678\nEND:VCARD\n`;
    expect(read(folded).contact).toMatchObject({ name: '長い 名前', numbers: [{ number: '03-1234-5678' }] });
  });

  it('refuses what is not a vCard, an unsupported version and a card with nothing to call it by', () => {
    expect(readWebCard('<html>not a card</html>')).toEqual({ ok: false, reason: 'malformed-card' });
    expect(readWebCard('BEGIN:VCARD\r\nFN:never ends\r\n')).toEqual({ ok: false, reason: 'malformed-card' });
    expect(readWebCard(card('VERSION:2.1', 'FN:old'))).toEqual({ ok: false, reason: 'unsupported-version' });
    expect(readWebCard(card('VERSION:3.0', 'NOTE:no name, no company, no number'))).toEqual({ ok: false, reason: 'missing-name' });
  });
});

describe('readWebCard: hostile and sloppy cards stay inert text, truncated', () => {
  it('keeps HTML as literal text', () => {
    const c = read(card('VERSION:3.0', 'FN:<img src=x onerror=alert(1)><b>悪意</b>', 'ORG:<script>alert(1)</script>', 'TEL:03-9999-0001'));
    expect(c.contact.name).toBe('<img src=x onerror=alert(1)><b>悪意</b>');
    expect(c.contact.company).toBe('<script>alert(1)</script>');
  });

  it('turns control characters into spaces and removes bidi overrides and zero-width characters', () => {
    const c = read(card('VERSION:3.0', 'FN:Bell\x07 Esc\x1b[31m red\\nNewline', 'X-PHONETIC-LAST-NAME:\u202eうさ\u202c\u200b', 'TEL:03-9999-0002', 'NOTE:line 1\\nline 2\x00'));
    expect(c.contact.name).toBe('Bell Esc [31m red Newline');
    expect(c.contact.kana).toBe('うさ');
    expect(c.contact.notes).toBe('line 1\nline 2');
  });

  it('truncates 100 kB fields to the contract limits instead of rejecting the card', () => {
    const c = read(card('VERSION:3.0', `FN:${'長'.repeat(100_000)}`, `NOTE:${'x'.repeat(100_000)}`, `ORG:${'会'.repeat(100_000)};${'部'.repeat(100_000)}`,
      `X-PHONETIC-LAST-NAME:${'あ'.repeat(100_000)}`, `X-PHONETIC-FIRST-NAME:${'い'.repeat(100_000)}`, 'TEL:03-9999-0003'));
    expect([...c.contact.name]).toHaveLength(128);
    expect(c.contact.name.endsWith('…')).toBe(true);
    expect([...c.contact.notes]).toHaveLength(2000);
    expect([...c.contact.company]).toHaveLength(128);
    expect([...c.contact.department]).toHaveLength(128);
    expect([...c.contact.kana].length).toBeLessThanOrEqual(128);
    expect(c.warnings).toEqual(expect.arrayContaining(['FN truncated', 'NOTE truncated', 'ORG truncated']));
  });

  it('drops numbers the contract refuses and numbers after the tenth, keeps the card', () => {
    const tels = Array.from({ length: 12 }, (_, i) => `TEL:03-1000-${String(i).padStart(4, '0')}`);
    const c = read(card('VERSION:3.0', 'FN:多すぎ', 'TEL:03-1234-5678 内線 12', 'TEL;VALUE=uri:javascript:alert(1)', ...tels));
    expect(c.contact.numbers).toHaveLength(10);
    expect(c.contact.numbers[0]?.number).toBe('03-1000-0000');
    expect(c.warnings.filter((w) => w.startsWith('TEL dropped'))).toHaveLength(4);
  });

  it('drops an invalid e-mail, unreadable lines and properties nobody reads', () => {
    const c = read(card('VERSION:3.0', 'FN:Mail', 'EMAIL:not an address', 'this line is not a property', 'ADR:;;1-1 Chiyoda;Tokyo;;100-0001;Japan', 'TEL:03-9999-0004'));
    expect(c.contact.email).toBe('');
    expect(c.warnings).toEqual(expect.arrayContaining(['EMAIL dropped: not an address', '1 unreadable line(s) dropped']));
  });

  it('names a card without FN and N after its company, e-mail or number', () => {
    expect(read(card('VERSION:3.0', 'ORG:株式会社さくら', 'TEL:03-9999-0005')).contact.name).toBe('株式会社さくら');
    expect(read(card('VERSION:3.0', 'TEL:03-9999-0006')).contact.name).toBe('03-9999-0006');
  });

  it('an oversized or non-image photo is dropped, the card kept', () => {
    const big = Buffer.alloc(300 * 1024, 1);
    big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(read(card('VERSION:3.0', 'FN:big photo', `PHOTO;ENCODING=b;TYPE=PNG:${big.toString('base64')}`)).contact.photo).toBeNull();
    expect(read(card('VERSION:4.0', 'FN:svg', `PHOTO:data:image/svg+xml;base64,${Buffer.from('<svg onload=alert(1)/>').toString('base64')}`)).contact.photo).toBeNull();
    expect(read(card('VERSION:4.0', 'FN:url', 'PHOTO;VALUE=uri:https://tracker.example/p.png')).contact.photo).toBeNull();
  });

  it('any text in any field gives a valid contact or a reason, never an exception', () => {
    // Controls, markup, bidi/zero-width, kana (full and half width), CJK, and vCard syntax.
    const unit = fc.oneof(
      fc.integer({ min: 0x00, max: 0x7f }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('<', '>', '&', '"', ';', ',', ':', '\\', '\u202e', '\u200b', '\ufeff', '\u3000', 'ｱ', 'ﾞ', '長', '😀', '\ud800'),
      fc.integer({ min: 0x3041, max: 0x30ff }).map((c) => String.fromCharCode(c)),
    );
    const text = fc.string({ unit, maxLength: 200 });
    fc.assert(
      fc.property(text, text, text, text, (fn, org, kana, tel) => {
        const clean = (v: string) => v.replace(/[\r\n]/g, ' ');
        const result = readWebCard(card('VERSION:3.0', `FN:${clean(fn)}`, `ORG:${clean(org)}`, `X-PHONETIC-LAST-NAME:${clean(kana)}`, `TEL:${clean(tel)}`));
        if (result.ok) expect(ContactInput.safeParse(result.card.contact).success).toBe(true);
        else expect(typeof result.reason).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});
