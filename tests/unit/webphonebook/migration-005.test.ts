// Migration 005: the web phonebook cache, applied with the project's migrate() on top of the
// existing migrations, and the query plan of the incoming-call lookup.

import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import { migration005WebPhonebook } from '../../../src-main/db/migrations/005-web-phonebook';
import { allMigrations } from './helpers';

describe('migration 005 web phonebook', () => {
  it('is version 5, right after 004 (whether or not the index has it yet)', () => {
    expect(migration005WebPhonebook.version).toBe(5);
    expect(allMigrations.indexOf(migration005WebPhonebook)).toBe(4);
    expect(migrations.length === 4 || migrations[4] === migration005WebPhonebook).toBe(true);
  });

  it('upgrades a version-4 database and creates the tables, indexes and search table', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, allMigrations.slice(0, 4));
    expect(migrate(db, allMigrations)).toEqual({ from: 4, to: allMigrations.length });
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index')").all() as { name: string }[]).map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['web_address_books', 'web_cards', 'web_card_numbers', 'web_card_search', 'web_card_numbers_by_normalized', 'web_cards_by_sort_key', 'web_cards_by_name_key']),
    );
    for (const table of ['web_address_books', 'web_cards', 'web_card_numbers']) {
      expect((db.prepare('SELECT strict FROM pragma_table_list WHERE name = ?').get(table) as { strict: number }).strict).toBe(1);
    }
    db.close();
  });

  it('serves the number lookup from the index, and deleting a book removes its cards and numbers', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, allMigrations);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT c.name FROM web_card_numbers n JOIN web_cards c ON c.id = n.card_id WHERE n.normalized = ? ORDER BY c.id LIMIT 1")
      .all('+81312345678') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' | ')).toMatch(/SEARCH n USING INDEX web_card_numbers_by_normalized/);

    db.prepare("INSERT INTO web_address_books (account, url, display_name) VALUES ('a', 'http://x/a/', 'A')").run();
    db.prepare("INSERT INTO web_cards (book_id, href, etag, uid, name, kana, company, department, email, notes, photo, sort_key, name_key, updated_at) VALUES (1, '/a/1.vcf', 'e', 'u', 'n', '', '', '', '', '', NULL, 'n', 'n', 0)").run();
    db.prepare("INSERT INTO web_card_numbers (card_id, position, label, number, normalized) VALUES (1, 0, '', '03', '+813')").run();
    expect(() => db.prepare("INSERT INTO web_cards (book_id, href, etag, uid, name, kana, company, department, email, notes, photo, sort_key, name_key, updated_at) VALUES (1, '/a/1.vcf', 'e', 'u', 'n', '', '', '', '', '', NULL, 'n', 'n', 0)").run()).toThrow(/UNIQUE/);
    db.prepare('DELETE FROM web_address_books WHERE id = 1').run();
    expect(db.prepare('SELECT (SELECT count(*) FROM web_cards) + (SELECT count(*) FROM web_card_numbers) AS n').get()).toEqual({ n: 0 });
    db.close();
  });
});
