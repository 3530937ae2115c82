import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContactsService } from '../../../src-main/contacts/contacts-service';
import { ID_BITS, searchBucket } from '../../../src-main/contacts/search-key';
import { openDatabase } from '../../../src-main/db/database';
import { DatabaseTooNewError, migrate, type Migration } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import { makeTempDir } from '../../support/temp-dir';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

describe('migrations', () => {
  it('numbers migrations 1..n without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('creates a new database at the latest version, in WAL mode with FULL sync', () => {
    const db = openDatabase(join(temp.dir, 'a.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    db.close();
  });

  it('reopening an up-to-date database changes nothing', () => {
    const file = join(temp.dir, 'a.sqlite');
    openDatabase(file).close();
    const db = new BetterSqlite3(file);
    expect(migrate(db, migrations)).toEqual({ from: migrations.length, to: migrations.length });
    db.close();
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const file = join(temp.dir, 'future.sqlite');
    const future = new BetterSqlite3(file);
    future.exec('CREATE TABLE from_the_future (x)');
    future.pragma(`user_version = ${migrations.length + 5}`);
    future.close();

    expect(() => openDatabase(file)).toThrow(DatabaseTooNewError);
    const after = new BetterSqlite3(file);
    expect(after.pragma('user_version', { simple: true })).toBe(migrations.length + 5);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'from_the_future'").get()).toBeTruthy();
    after.close();
  });

  it('runs pending migrations in one transaction: a failing one leaves the file as it was', () => {
    const file = join(temp.dir, 'b.sqlite');
    const db = new BetterSqlite3(file);
    const broken: Migration[] = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: 'broken',
        up: (d) => d.exec('CREATE TABLE half_done (x); SELECT * FROM no_such_table'),
      },
    ];
    expect(() => migrate(db, broken)).toThrow(/no_such_table/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('rejects a migration list with a gap', () => {
    const db = new BetterSqlite3(':memory:');
    expect(() => migrate(db, [{ version: 2, name: 'gap', up: () => undefined }])).toThrow(/expected 1/);
    db.close();
  });

  describe('001 call-history', () => {
    it('creates the calls table with its constraints and indexes', () => {
      const db = new BetterSqlite3(':memory:');
      migrate(db, migrations.slice(0, 1));
      const columns = db.prepare('PRAGMA table_info(calls)').all() as { name: string }[];
      expect(columns.map((c) => c.name)).toEqual([
        'id', 'call_id', 'sip_call_id', 'direction', 'outcome', 'remote_number', 'remote_name',
        'local_account', 'started_at', 'answered_at', 'ended_at', 'duration_sec', 'end_reason',
      ]);
      const indexes = (db.prepare('PRAGMA index_list(calls)').all() as { name: string }[]).map((i) => i.name);
      expect(indexes).toEqual(expect.arrayContaining(['calls_by_start', 'calls_open']));
      const insert = db.prepare(
        "INSERT INTO calls (call_id, direction, outcome, remote_number, local_account, started_at) VALUES (?, ?, ?, '1', 'a', 0)",
      );
      expect(() => insert.run('x1', 'sideways', null)).toThrow(/CHECK/);
      expect(() => insert.run('x2', 'incoming', 'exploded')).toThrow(/CHECK/);
      insert.run('x3', 'incoming', null);
      expect(() => insert.run('x3', 'incoming', null)).toThrow(/UNIQUE/);
      db.close();
    });
  });

  describe('004 contact-search-order', () => {
    it('re-keys the search rows of a version-3 phonebook by list order, same text, and drops the unused index', () => {
      const file = join(temp.dir, 'v3.sqlite');
      const old = new BetterSqlite3(file);
      migrate(old, migrations.slice(0, 3));
      const contact = old.prepare(
        "INSERT INTO contacts (id, name, kana, company, department, email, notes, favourite, sort_key, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, '', '', '', ?, ?, ?, 0, 0)",
      );
      const number = old.prepare("INSERT INTO contact_numbers (contact_id, position, label, number, normalized) VALUES (?, 0, '会社', ?, ?)");
      const search = old.prepare('INSERT INTO contact_search (rowid, text) VALUES (?, ?)');
      // As 002's service wrote them: rowid = contact id, the folded parts joined with spaces.
      contact.run(1, '山田 太郎', 'ヤマダ タロウ', '株式会社つなぐ', 0, 'やまだたろう', '山田太郎');
      number.run(1, '03-1234-5678', '+81312345678');
      search.run(1, '山田太郎 やまだたろう 株式会社つなぐ  81312345678 0312345678');
      contact.run(2, '佐藤 花子', 'さとう はなこ', 'ﾂﾅｸﾞ商事', 1, 'さとうはなこ', '佐藤花子');
      number.run(2, '090-1111-2222', '+819011112222');
      search.run(2, '佐藤花子 さとうはなこ つなぐ商事  819011112222 09011112222');
      // A contact that somehow has no search row.
      contact.run(3, '青木', 'あおき', '', 0, 'あおき', '青木');
      old.close();

      const db = openDatabase(file);
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
      const rowids = (db.prepare('SELECT rowid FROM contact_search ORDER BY rowid').pluck().safeIntegers().all() as bigint[]).map(String);
      const key = (favourite: boolean, sortKey: string, id: number) => String((BigInt(searchBucket(favourite, sortKey)) << BigInt(ID_BITS)) | BigInt(id));
      expect(rowids).toEqual([key(true, 'さとうはなこ', 2), key(false, 'あおき', 3), key(false, 'やまだたろう', 1)]);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'contacts_by_sort_key'").get()).toBeUndefined();

      const contacts = createContactsService(db, { now: () => 0 });
      const names = (q: string) => contacts.search(q, 10).map((c) => c.name);
      expect(names('つなぐ')).toEqual(['佐藤 花子', '山田 太郎']); // favourite first
      expect(names('5678')).toEqual(['山田 太郎']);
      expect(names('09011')).toEqual(['佐藤 花子']);
      expect(names('たろう')).toEqual(['山田 太郎']);
      expect(names('あおき')).toEqual(['青木']);
      // Later writes find their rows under the new keys.
      contacts.delete(1);
      expect(names('つなぐ')).toEqual(['佐藤 花子']);
      expect(db.prepare('SELECT count(*) FROM contact_search').pluck().get()).toBe(2);
      db.close();
    });
  });
});
