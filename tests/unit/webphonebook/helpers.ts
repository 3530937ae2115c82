// Shared by the web phonebook tests: a real SQLite cache with the project's migrations, a
// snapshot of the cache for "left intact" assertions, timing helpers.

import BetterSqlite3, { type Database } from 'better-sqlite3';
import { join } from 'node:path';
import { migrate } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import type { Logger } from '../../../src-main/support/log';
import { makeTempDir } from '../../support/temp-dir';

/** Every migration, as the app applies them. */
export const allMigrations = migrations;

/** A cache database in a temp folder, opened as openDatabase() opens the app's. */
export function openCacheDb(): { db: Database; cleanup: () => void } {
  const temp = makeTempDir('tsunagu-webpb-');
  const db = new BetterSqlite3(join(temp.dir, 'cache.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  migrate(db, allMigrations);
  return {
    db,
    cleanup: () => {
      db.close();
      temp.cleanup();
    },
  };
}

/** Everything the cache holds, in a comparable form. */
export function snapshot(db: Database): unknown {
  return {
    books: db.prepare('SELECT account, url, display_name, sync_token, ctag FROM web_address_books ORDER BY id').all(),
    cards: db.prepare('SELECT book_id, href, etag, uid, name, kana, company, department, email, notes, photo, sort_key, name_key FROM web_cards ORDER BY book_id, href').all(),
    numbers: db
      .prepare('SELECT c.href, n.position, n.label, n.number, n.normalized FROM web_card_numbers n JOIN web_cards c ON c.id = n.card_id ORDER BY c.href, n.position')
      .all(),
    search: (db.prepare('SELECT count(*) AS n FROM web_card_search').get() as { n: number }).n,
  };
}

export const quietLog: Logger & { lines: string[] } = {
  lines: [],
  info(message) {
    this.lines.push(`info ${message}`);
  },
  warn(message) {
    this.lines.push(`warn ${message}`);
  },
  error(message) {
    this.lines.push(`error ${message}`);
  },
};

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export const ms = (value: number) => Math.round(value * 1000) / 1000;
