import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactInput } from '../../../src-preload/contract';
import { createContactsService } from '../../../src-main/contacts/contacts-service';
import { openDatabase } from '../../../src-main/db/database';
import { migrate } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import { ServiceError } from '../../../src-main/support/service-error';
import { makeTempDir } from '../../support/temp-dir';

let temp: ReturnType<typeof makeTempDir>;
let db: ReturnType<typeof openDatabase>;
let contacts: ReturnType<typeof createContactsService>;
beforeEach(() => {
  temp = makeTempDir();
  db = openDatabase(join(temp.dir, 'c.sqlite'));
  contacts = createContactsService(db, { now: () => 42 });
});
afterEach(() => {
  db.close();
  temp.cleanup();
});

const base: ContactInput = { name: '', kana: '', company: '', department: '', numbers: [], email: '', notes: '', favourite: false, photo: null };
const person = (name: string, kana: string, numbers: string[] = [], extra: Partial<ContactInput> = {}): ContactInput => ({
  ...base,
  name,
  kana,
  numbers: numbers.map((number) => ({ label: '会社', number })),
  ...extra,
});

describe('migration 002 contacts', () => {
  it('creates the tables, the lookup index and the trigram search table on top of 001', () => {
    const raw = new BetterSqlite3(':memory:');
    migrate(raw, migrations.slice(0, 2));
    const names = (raw.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index')").all() as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['contacts', 'contact_numbers', 'contact_search', 'contact_numbers_by_normalized', 'contacts_by_list_order']));
    raw.prepare("INSERT INTO contacts (name, kana, company, department, email, notes, favourite, sort_key, name_key, created_at, updated_at) VALUES ('a','','','','','',0,'a','a',0,0)").run();
    raw.pragma('foreign_keys = ON');
    raw.prepare("INSERT INTO contact_numbers (contact_id, position, label, number, normalized) VALUES (1, 0, '', '1', '1')").run();
    raw.prepare('DELETE FROM contacts WHERE id = 1').run();
    expect(raw.prepare('SELECT count(*) AS n FROM contact_numbers').get()).toEqual({ n: 0 });
    expect(() => raw.prepare("UPDATE contacts SET favourite = 2").run()).not.toThrow(); // no rows left
    raw.close();
  });
});

describe('contacts service', () => {
  it('creates, reads, updates and deletes, keeping the original number for display', () => {
    const created = contacts.create(person('山田 太郎', 'ヤマダ タロウ', ['03-1234-5678'], { email: 'taro@example.jp' }));
    expect(contacts.get(created.id)).toMatchObject({ name: '山田 太郎', numbers: [{ label: '会社', number: '03-1234-5678' }], updatedAt: 42 });
    contacts.update(created.id, person('山田 太郎', 'やまだ たろう', ['090-1111-2222']));
    expect(contacts.lookup('0312345678')).toBeNull();
    expect(contacts.lookup('09011112222')?.name).toBe('山田 太郎');
    contacts.delete(created.id);
    expect(() => contacts.get(created.id)).toThrow(ServiceError);
    expect(() => contacts.delete(created.id)).toThrow(/no contact/);
    expect(contacts.search('やまだ', 10)).toEqual([]);
  });

  it('matches an incoming number in any format, including a SIP URI user part', () => {
    contacts.create(person('佐藤 花子', 'さとう はなこ', ['+81 3 1234 5678']));
    for (const remote of ['0312345678', '03-1234-5678', '+81312345678', 'sip:0312345678@pbx.example.jp;user=phone', 'tel:+81-3-1234-5678']) {
      expect(contacts.lookup(remote)?.name, remote).toBe('佐藤 花子');
    }
    expect(contacts.lookup('0312345679')).toBeNull();
    expect(contacts.lookup('anonymous')).toBeNull();
  });

  it('searches kana-aware and number-aware, short and long queries alike', () => {
    contacts.create(person('山田 太郎', 'ヤマダ タロウ', ['03-1234-5678'], { company: '株式会社つなぐ' }));
    contacts.create(person('山本 花子', 'やまもと はなこ', ['090-1111-2222']));
    contacts.create(person('鈴木 一郎', 'スズキ イチロウ', ['1001'], { favourite: true }));
    const names = (q: string) => contacts.search(q, 50).map((c) => c.name);
    expect(names('や')).toEqual(['山田 太郎', '山本 花子']); // reading order: やまだ < やまもと
    expect(names('ﾔﾏﾀﾞ')).toEqual(['山田 太郎']);
    expect(names('たろう')).toEqual(['山田 太郎']);
    expect(names('山')).toEqual(expect.arrayContaining(['山田 太郎', '山本 花子']));
    expect(names('つなぐ')).toEqual(['山田 太郎']);
    expect(names('5678')).toEqual(['山田 太郎']);
    expect(names('+81 90 1111')).toEqual(['山本 花子']);
    expect(names('100')).toEqual(['鈴木 一郎']);
    expect(names('"; DROP TABLE contacts; --')).toEqual([]);
    expect(contacts.count()).toBe(3);
  });

  it('lists favourites first, in reading order, and pages with a keyset cursor', () => {
    for (const [name, kana, favourite] of [
      ['渡辺', 'わたなべ', false],
      ['青木', 'あおき', false],
      ['鈴木', 'すずき', true],
      ['伊藤', 'いとう', false],
    ] as const) {
      contacts.create(person(name, kana, [], { favourite }));
    }
    const first = contacts.list(2);
    expect(first.map((c) => c.name)).toEqual(['鈴木', '青木']);
    const last = first.at(-1)!;
    expect(contacts.list(10, { favourite: last.favourite, sortKey: last.sortKey, id: last.id }).map((c) => c.name)).toEqual(['伊藤', '渡辺']);
  });

  it('imports all or nothing', () => {
    contacts.create(person('既存', 'きそん'));
    expect(contacts.importAll([person('一', 'いち', ['0311111111']), person('二', 'に', ['0322222222'])])).toBe(2);
    expect(contacts.count()).toBe(3);
    // A failure in the middle of the batch rolls the whole batch back.
    const broken = { ...person('三', 'さん'), name: undefined as unknown as string };
    expect(() => contacts.importAll([person('四', 'よん'), broken])).toThrow();
    expect(contacts.count()).toBe(3);
    expect(contacts.search('よん', 10)).toEqual([]);
  });
});
