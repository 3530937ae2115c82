import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContactInput } from '../../../src-preload/contract';
import { createContactsService } from '../../../src-main/contacts/contacts-service';
import { searchBucket } from '../../../src-main/contacts/search-key';
import { openDatabase } from '../../../src-main/db/database';
import { migrate } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import { ServiceError } from '../../../src-main/support/service-error';
import { recording } from '../../support/recording-db';
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

describe('trigram search with many matches', () => {
  // Readings across the kana table (so contacts land in many list-order buckets), some
  // katakana, some names without a reading (sorted by the name itself), some favourites; every
  // contact's company contains つなぐ and every contact has a 090 number.
  const READINGS = ['あおき', 'いとう', 'うえだ', 'かとう', 'さとう', 'さとう', 'スズキ', 'たなか', 'なかむら', 'はやし', 'まつもと', 'やまだ', 'わたなべ', ''];
  const phonebook = (count: number): ContactInput[] =>
    Array.from({ length: count }, (_, i) => {
      const reading = READINGS[i % READINGS.length]!;
      return person(reading === '' ? `山${i}` : `名前${i}`, reading === '' ? '' : `${reading} ${String.fromCharCode(0x3042 + (i % 40))}`, [`090-${String(1000 + i)}-0000`], {
        company: i % 3 === 0 ? '株式会社つなぐ' : 'つなぐ商事',
        favourite: i % 17 === 0,
      });
    });
  const names = (rows: { name: string }[]) => rows.map((r) => r.name);

  it('returns the first matches in list order (favourites, then reading), at any page size', () => {
    contacts.importAll(phonebook(600));
    contacts.create(person('無関係', 'むかんけい', ['03-1111-2222'], { company: '東京商事' }));
    const listOrder = names(contacts.list(10_000));
    const matching = listOrder.filter((name) => name !== '無関係');
    for (const limit of [1, 2, 17, 50, 123, 600, 1000]) {
      expect(names(contacts.search('つなぐ', limit)), `limit ${limit}`).toEqual(matching.slice(0, limit));
      expect(names(contacts.search('090', limit)), `limit ${limit}`).toEqual(matching.slice(0, limit));
    }
    // Favourites first, each group in reading order.
    const page = contacts.search('つなぐ', 50);
    expect(page.slice(0, 36).every((c) => c.favourite)).toBe(true);
    expect(page[36]!.favourite).toBe(false);
  });

  it('follows a contact whose favourite flag and reading change, and forgets deleted ones', () => {
    contacts.importAll(phonebook(300));
    const moved = contacts.create(person('恵比寿', 'ゑびす', ['090-9999-0000'], { company: 'つなぐ' }));
    expect(contacts.search('つなぐ', 1000).map((c) => c.id).indexOf(moved.id)).toBeGreaterThan(0);
    // From the middle of the list to the very front: a favourite read ああああ.
    const { id: _id, updatedAt: _updatedAt, ...input } = moved;
    contacts.update(moved.id, { ...input, kana: 'ああああ', favourite: true });
    expect(contacts.search('つなぐ', 3)[0]!.id).toBe(moved.id);
    expect(contacts.search('ああああ', 10).map((c) => c.id)).toEqual([moved.id]);
    // The search row under the old key is gone: the old reading no longer finds it.
    expect(contacts.search('ゑびす', 10)).toEqual([]);
    contacts.delete(moved.id);
    expect(contacts.search('ああああ', 10)).toEqual([]);
    expect(contacts.search('090', 1000).map((c) => c.id)).not.toContain(moved.id);
    expect(contacts.search('つなぐ', 1000)).toHaveLength(300);
  });

  it('a short page is always the start of the full result list (property)', () => {
    const kana = fc.constantFrom(...'あいかさたなはまやらわんー'.split(''));
    const word = fc.array(kana, { minLength: 0, maxLength: 6 }).map((chars) => chars.join(''));
    const entry = fc.record({ reading: word, name: fc.oneof(word, fc.constantFrom('山田', '佐藤', 'Smith', 'ÉMILE', '𠮷野')), favourite: fc.boolean(), company: fc.constantFrom('', 'あかさた', 'さたなは', 'たなはま') });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.array(kana, { minLength: 3, maxLength: 4 }), fc.integer({ min: 1, max: 12 }), (entries, query, limit) => {
        const raw = new BetterSqlite3(':memory:');
        raw.pragma('foreign_keys = ON');
        migrate(raw, migrations);
        const service = createContactsService(raw, { now: () => 1 });
        service.importAll(entries.map((e, i) => person(`${e.name || 'x'}${i}`, e.reading, [], { favourite: e.favourite, company: e.company })));
        const term = query.join('');
        const all = service.search(term, 10_000);
        const listOrder = service.list(10_000).map((c) => c.id);
        const ids = all.map((c) => c.id);
        expect(ids).toEqual(listOrder.filter((id) => ids.includes(id)));
        expect(service.search(term, limit).map((c) => c.id)).toEqual(ids.slice(0, limit));
        raw.close();
      }),
      { numRuns: 150 },
    );
  });
});

describe('search key', () => {
  // The search relies on this: the bucket never decreases along list order, which is
  // favourite DESC, then sort_key in SQLite's own (BINARY, UTF-8) order.
  const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
  const key = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.string({ unit: anyCodeUnit, maxLength: 8 }),
    fc.string({ unit: fc.constantFrom(...'0189azあぁいゔゖゝゞー山田佐藤龥ꀀ가\u3099\ud800\udfff'.split(''), '𠮷'), maxLength: 6 }),
  );

  it('never decreases along list order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ favourite: fc.boolean(), key }), { minLength: 2, maxLength: 40 }), (rows) => {
        const raw = new BetterSqlite3(':memory:');
        raw.exec('CREATE TABLE t (favourite INTEGER, k TEXT)');
        const insert = raw.prepare('INSERT INTO t VALUES (?, ?)');
        for (const row of rows) insert.run(row.favourite ? 1 : 0, row.key);
        // Read back what SQLite stored (a lone surrogate is stored as U+FFFD), in its order.
        const ordered = raw.prepare('SELECT favourite, k FROM t ORDER BY favourite DESC, k').all() as { favourite: number; k: string }[];
        const buckets = ordered.map((r) => searchBucket(r.favourite === 1, r.k));
        for (let i = 1; i < buckets.length; i++) expect(buckets[i]!).toBeGreaterThanOrEqual(buckets[i - 1]!);
        raw.close();
      }),
      { numRuns: 300 },
    );
  });

  it('gives a lone surrogate the bucket of what SQLite stores for it', () => {
    expect(searchBucket(false, 'あ\ud800')).toBe(searchBucket(false, 'あ\ufffd'));
    expect(searchBucket(true, 'z')).toBeLessThan(searchBucket(false, ''));
  });
});

describe('search query plans', () => {
  /** The database, with every statement the service prepares logged with its parameters when run. */

  // Without statistics is the state after a big import until the next start-up's PRAGMA
  // optimize: the plans must not depend on them.
  for (const analyzed of [false, true]) {
    it(`reads every search from an index and sorts only a trigram bucket${analyzed ? ' (after ANALYZE)' : ''}`, () => {
      const readings = ['さとう', 'すずき', 'たなか', 'やまだ', 'わたなべ'];
      contacts.importAll(
        Array.from({ length: 2_000 }, (_, i) =>
          person(`${['佐藤', '鈴木', '田中', '山田', '渡辺'][i % 5]} ${i}`, `${readings[i % 5]} ${i}`, [`090-${String(1000 + i)}-0000`], { favourite: i % 40 === 0, company: 'つなぐ' }),
        ),
      );
      if (analyzed) db.exec('ANALYZE');
      const { db: recorded, log } = recording(db);
      const service = createContactsService(recorded, { now: () => 1 });
      for (const query of ['さ', 'さと', '山', '山田', 'さとう', 'つなぐ', '090', '0901']) {
        const from = log.length;
        expect(service.search(query, 50).length, query).toBeGreaterThan(0);
        for (const executed of log.slice(from)) {
          const plan = (recorded.prepare(`EXPLAIN QUERY PLAN ${executed.sql}`).all(...executed.params) as { detail: string }[]).map((r) => r.detail);
          const label = `${query}\n${executed.sql}\n${plan.join('\n')}`;
          expect(plan.some((d) => /^SCAN (contacts|contact_numbers)\b/.test(d)), label).toBe(false);
          // The one sort allowed: the trigram step's candidates (matches up to one bucket).
          if (plan.some((d) => /TEMP B-TREE FOR ORDER BY/.test(d))) expect(executed.sql, label).toMatch(/contact_search MATCH @match AND rowid <=/);
        }
      }
    });
  }
});
