import BetterSqlite3, { type Database } from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HistoryPage, type HistoryKind, type HistorySort } from '../../../src-preload/contract';
import { createContactsService } from '../../../src-main/contacts/contacts-service';
import { normalizePhoneNumber } from '../../../src-main/contacts/phone-number';
import { openDatabase } from '../../../src-main/db/database';
import { migrate } from '../../../src-main/db/migrate';
import { migrations } from '../../../src-main/db/migrations';
import {
  createHistoryQuery,
  digitProbeLimit,
  fillRemoteKeys,
  remoteKeys,
  type ContactsSearch,
  type HistoryExportQuery,
  type ParsedHistoryQuery,
} from '../../../src-main/history/history-query';
import { ServiceError } from '../../../src-main/support/service-error';
import { recording, type Executed } from '../../support/recording-db';
import { makeTempDir } from '../../support/temp-dir';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

const KINDS: readonly HistoryKind[] = ['outgoing', 'incoming', 'missed', 'rejected'];
const SORTS: readonly HistorySort[] = ['time', 'number', 'duration'];
const DIRECTIONS = ['asc', 'desc'] as const;
type Outcome = 'answered' | 'missed' | 'rejected' | 'cancelled' | 'failed' | 'interrupted' | null;

interface Call {
  direction: 'outgoing' | 'incoming';
  outcome: Outcome;
  remoteNumber: string;
  remoteName?: string | null;
  startedAt: number;
  durationSec: number | null;
  localAccount?: string;
}

let serial = 0;
/** Inserts as the history service will once it fills the derived columns (remoteKeys). */
function insertCalls(db: Database, calls: readonly Call[]): number[] {
  const insert = db.prepare(`
    INSERT INTO calls (call_id, direction, outcome, remote_number, remote_name, local_account, started_at, answered_at, ended_at, duration_sec, remote_key, remote_digits)
    VALUES (@callId, @direction, @outcome, @remoteNumber, @remoteName, @localAccount, @startedAt, @answeredAt, @endedAt, @durationSec, @remoteKey, @remoteDigits)`);
  return db.transaction(() =>
    calls.map((call) => {
      const callId = `00000000-0000-4000-8000-${(++serial).toString(16).padStart(12, '0')}`;
      const answeredAt = call.durationSec === null ? null : call.startedAt + 1000;
      const { remoteKey, remoteDigits } = remoteKeys(call.remoteNumber);
      const info = insert.run({
        callId,
        direction: call.direction,
        outcome: call.outcome,
        remoteNumber: call.remoteNumber,
        remoteName: call.remoteName ?? null,
        localAccount: call.localAccount ?? '1001@pbx.test',
        startedAt: call.startedAt,
        answeredAt,
        endedAt: call.outcome === null ? null : (answeredAt ?? call.startedAt) + (call.durationSec ?? 0) * 1000,
        durationSec: call.durationSec,
        remoteKey,
        remoteDigits,
      });
      return Number(info.lastInsertRowid);
    }),
  )();
}

function kindOf(call: Pick<Call, 'direction' | 'outcome'>): HistoryKind {
  if (call.direction === 'outgoing') return 'outgoing';
  return call.outcome === 'missed' ? 'missed' : call.outcome === 'rejected' ? 'rejected' : 'incoming';
}

const noContacts: ContactsSearch = { search: () => [] };

/** Every page from the first to the last: ids in order, each page validated against the contract. */
function allIds(history: ReturnType<typeof createHistoryQuery>, q: Omit<ParsedHistoryQuery, 'cursor'>): number[] {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    const page = HistoryPage.parse(history.query({ ...q, ...(cursor !== undefined ? { cursor } : {}) }));
    ids.push(...page.rows.map((r) => r.id));
    expect(page.rows.length).toBeLessThanOrEqual(q.limit);
    if (page.nextCursor === null) return ids;
    // A next page is only promised when there is one.
    expect(page.rows.length).toBe(q.limit);
    cursor = page.nextCursor;
    if (pages > 10_000) throw new Error('pagination does not end');
  }
}

// ---------------------------------------------------------------------------------------------
// Reference model: what the list should show, computed in plain JavaScript.

interface ModelRow extends Call {
  id: number;
}

interface ModelQuery {
  kinds?: HistoryKind[];
  sort: HistorySort;
  direction: 'asc' | 'desc';
  /** digits: a national-digit prefix; keys + name: a name search (contact keys, display-name prefix). */
  search?: { digits: string } | { keys: readonly string[]; name: string };
}

function modelIds(rows: readonly ModelRow[], q: ModelQuery): number[] {
  const kinds = q.kinds && q.kinds.length > 0 ? new Set(q.kinds) : null;
  const search = q.search;
  const matching = rows.filter((row) => {
    if (kinds && !kinds.has(kindOf(row))) return false;
    if (search === undefined) return true;
    const { remoteKey, remoteDigits } = remoteKeys(row.remoteNumber);
    if ('digits' in search) return remoteDigits.startsWith(search.digits);
    // NOCASE folds ASCII letters only.
    const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    return (remoteKey !== '' && search.keys.includes(remoteKey)) || (typeof row.remoteName === 'string' && fold(row.remoteName).startsWith(fold(search.name)));
  });
  const sign = q.direction === 'asc' ? 1 : -1;
  const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  const byId = (a: ModelRow, b: ModelRow) => sign * (a.id - b.id);
  return matching
    .sort((a, b) => {
      if (q.sort === 'time') return sign * cmp(a.startedAt, b.startedAt) || byId(a, b);
      if (q.sort === 'number') return sign * cmp(remoteKeys(a.remoteNumber).remoteDigits, remoteKeys(b.remoteNumber).remoteDigits) || byId(a, b);
      // Talk time: never-answered calls last in both directions.
      if (a.durationSec === null || b.durationSec === null) return (a.durationSec === null ? 1 : 0) - (b.durationSec === null ? 1 : 0) || byId(a, b);
      return sign * cmp(a.durationSec, b.durationSec) || byId(a, b);
    })
    .map((row) => row.id);
}

// ---------------------------------------------------------------------------------------------

describe('remoteKeys', () => {
  it('keys a number like the phonebook and gives its digits in national form', () => {
    expect(remoteKeys('03-1234-5678')).toEqual({ remoteKey: '+81312345678', remoteDigits: '0312345678' });
    expect(remoteKeys('+81312345678')).toEqual({ remoteKey: '+81312345678', remoteDigits: '0312345678' });
    expect(remoteKeys('sip:0312345678@pbx.test;user=phone')).toEqual({ remoteKey: '+81312345678', remoteDigits: '0312345678' });
    expect(remoteKeys('+12125550100')).toEqual({ remoteKey: '+12125550100', remoteDigits: '12125550100' });
    expect(remoteKeys('1001')).toEqual({ remoteKey: '1001', remoteDigits: '1001' });
    expect(remoteKeys('*21#')).toEqual({ remoteKey: '*21#', remoteDigits: '21' });
    expect(remoteKeys('anonymous')).toEqual({ remoteKey: '', remoteDigits: '' });
    // A SIP name is not a number, whatever digits it has (as for the incoming-call lookup).
    expect(remoteKeys('user5@example.com')).toEqual({ remoteKey: '', remoteDigits: '' });
  });
});

describe('migration 003 history-queries', () => {
  const indexNames = (db: Database) => (db.prepare('PRAGMA index_list(calls)').all() as { name: string }[]).map((i) => i.name);

  it('on an empty database: the columns, the generated kind and the indexes', () => {
    const db = openDatabase(join(temp.dir, 'empty.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const columns = db.prepare('PRAGMA table_xinfo(calls)').all() as { name: string; hidden: number }[];
    expect(columns.map((c) => c.name)).toEqual(expect.arrayContaining(['remote_key', 'remote_digits', 'kind']));
    expect(columns.find((c) => c.name === 'kind')?.hidden).toBe(2); // 2 = VIRTUAL generated column
    expect(indexNames(db)).toEqual(
      expect.arrayContaining([
        'calls_by_time', 'calls_by_kind_time', 'calls_by_digits', 'calls_by_kind_digits', 'calls_by_duration',
        'calls_by_kind_duration', 'calls_by_remote_key', 'calls_by_remote_name', 'calls_open',
      ]),
    );
    expect(indexNames(db)).not.toContain('calls_by_start');
    db.close();
  });

  it('derives kind from direction and outcome', () => {
    const db = openDatabase(join(temp.dir, 'k.sqlite'));
    const outcomes: Outcome[] = ['answered', 'missed', 'rejected', 'cancelled', 'failed', 'interrupted', null];
    const calls = (['outgoing', 'incoming'] as const).flatMap((direction) =>
      outcomes.map((outcome) => ({ direction, outcome, remoteNumber: '1002', startedAt: 1, durationSec: null })),
    );
    const ids = insertCalls(db, calls);
    const kinds = db.prepare('SELECT kind FROM calls WHERE id = ?').pluck();
    ids.forEach((id, i) => expect(kinds.get(id)).toBe(kindOf(calls[i]!)));
    expect(calls.map(kindOf)).toEqual([...Array(7).fill('outgoing'), 'incoming', 'missed', 'rejected', 'incoming', 'incoming', 'incoming', 'incoming']);
    db.close();
  });

  it('on a database with 001 and 002 data: backfills the keys, keeps the rows', () => {
    const file = join(temp.dir, 'old.sqlite');
    const old = new BetterSqlite3(file);
    migrate(old, migrations.slice(0, 2));
    const insert = old.prepare(
      "INSERT INTO calls (call_id, direction, outcome, remote_number, local_account, started_at) VALUES (?, ?, ?, ?, '1001@pbx', ?)",
    );
    const numbers = ['03-1234-5678', '+81312345678', '0901111222', '1001', 'anonymous', '+12125550100', '（０３）１２３４－５６７８'];
    numbers.forEach((number, i) => insert.run(`call-${i}`, i % 2 ? 'incoming' : 'outgoing', i === 1 ? 'missed' : 'answered', number, i));
    insert.run('open-call', 'incoming', null, '0312345678', 99);
    old.prepare("INSERT INTO contacts (name, kana, company, department, email, notes, favourite, sort_key, name_key, created_at, updated_at) VALUES ('山田', '', '', '', '', '', 0, 'やまだ', '山田', 0, 0)").run();
    old.prepare("INSERT INTO contact_numbers (contact_id, position, label, number, normalized) VALUES (1, 0, '会社', '03-1234-5678', '+81312345678')").run();
    old.close();

    const db = openDatabase(file);
    const rows = db.prepare('SELECT call_id, remote_number, remote_key, remote_digits, kind FROM calls ORDER BY id').all() as Record<string, string>[];
    expect(rows).toHaveLength(numbers.length + 1);
    for (const row of rows) {
      expect({ key: row.remote_key, digits: row.remote_digits }).toEqual({
        key: remoteKeys(row.remote_number!).remoteKey,
        digits: remoteKeys(row.remote_number!).remoteDigits,
      });
    }
    expect(rows.map((r) => r.remote_digits)).toEqual(['0312345678', '0312345678', '0901111222', '1001', '', '12125550100', '0312345678', '0312345678']);
    expect(rows[1]!.kind).toBe('missed');
    const history = createHistoryQuery(db, noContacts);
    const page = history.query({ sort: 'time', direction: 'asc', limit: 10, search: '03-1234' });
    expect(page.rows.map((r) => r.callId)).toEqual(['call-0', 'call-1', 'call-6', 'open-call']);
    expect(page.rows.map((r) => r.contactName)).toEqual(['山田', '山田', '山田', '山田']);
    db.close();
  });

  it('fillRemoteKeys fills rows written without the keys and leaves the rest', () => {
    const db = openDatabase(join(temp.dir, 'f.sqlite'));
    db.prepare("INSERT INTO calls (call_id, direction, remote_number, local_account, started_at) VALUES ('a', 'incoming', '0312345678', 'x', 1), ('b', 'incoming', 'anonymous', 'x', 2)").run();
    expect(fillRemoteKeys(db, 1)).toBe(1);
    expect(db.prepare('SELECT remote_key, remote_digits FROM calls ORDER BY id').all()).toEqual([
      { remote_key: '+81312345678', remote_digits: '0312345678' },
      { remote_key: '', remote_digits: '' },
    ]);
    expect(fillRemoteKeys(db)).toBe(0);
    db.close();
  });
});

// A small history with ties everywhere: same start times, same numbers, same talk times, and
// calls never answered (NULL talk time).
const HAND: Call[] = [
  /* 1 */ { direction: 'outgoing', outcome: 'answered', remoteNumber: '03-1234-5678', startedAt: 100, durationSec: 30 },
  /* 2 */ { direction: 'incoming', outcome: 'missed', remoteNumber: '+81312345678', remoteName: 'Yamada', startedAt: 200, durationSec: null },
  /* 3 */ { direction: 'incoming', outcome: 'answered', remoteNumber: '0901111222', startedAt: 200, durationSec: 5 },
  /* 4 */ { direction: 'incoming', outcome: 'rejected', remoteNumber: '1001', remoteName: 'Alice Reception', startedAt: 300, durationSec: null },
  /* 5 */ { direction: 'outgoing', outcome: 'cancelled', remoteNumber: '0312349999', startedAt: 400, durationSec: null },
  /* 6 */ { direction: 'incoming', outcome: 'interrupted', remoteNumber: 'anonymous', startedAt: 400, durationSec: null },
  /* 7 */ { direction: 'outgoing', outcome: 'answered', remoteNumber: '+12125550100', startedAt: 500, durationSec: 30 },
  /* 8 */ { direction: 'incoming', outcome: 'answered', remoteNumber: '03-1234-5678', remoteName: 'alice', startedAt: 600, durationSec: 0 },
  /* 9 */ { direction: 'incoming', outcome: 'missed', remoteNumber: '0612345678', startedAt: 700, durationSec: null },
  /* 10 */ { direction: 'outgoing', outcome: 'answered', remoteNumber: '1001', startedAt: 800, durationSec: 120 },
];

describe('history query on a hand-made history', () => {
  let db: Database;
  let ids: number[];
  let model: ModelRow[];
  // The phonebook: 山田 has the 03 number and extension 1001.
  const phonebook: ContactsSearch = {
    search: (query) => (query === '山田' ? [{ numbers: [{ number: '03-1234-5678' }, { number: '1001' }] }] : []),
  };
  beforeEach(() => {
    db = openDatabase(join(temp.dir, 'h.sqlite'));
    ids = insertCalls(db, HAND);
    model = HAND.map((call, i) => ({ ...call, id: ids[i]! }));
  });
  afterEach(() => db.close());
  const n = (...positions: number[]) => positions.map((p) => ids[p - 1]!);

  it('gives the expected orders (written out by hand)', () => {
    const history = createHistoryQuery(db, phonebook);
    const list = (q: Omit<ParsedHistoryQuery, 'limit'>) => allIds(history, { ...q, limit: 3 });
    expect(list({ sort: 'time', direction: 'desc' })).toEqual(n(10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
    expect(list({ sort: 'time', direction: 'asc', kinds: ['missed', 'rejected'] })).toEqual(n(2, 4, 9));
    expect(list({ sort: 'number', direction: 'asc' })).toEqual(n(6, 1, 2, 8, 5, 9, 3, 4, 10, 7));
    expect(list({ sort: 'number', direction: 'desc', kinds: ['outgoing'] })).toEqual(n(7, 10, 5, 1));
    expect(list({ sort: 'duration', direction: 'desc' })).toEqual(n(10, 7, 1, 3, 8, 9, 6, 5, 4, 2));
    expect(list({ sort: 'duration', direction: 'asc' })).toEqual(n(8, 3, 1, 7, 10, 2, 4, 5, 6, 9));
    expect(list({ sort: 'time', direction: 'desc', search: '03-1234' })).toEqual(n(8, 5, 2, 1));
    expect(list({ sort: 'time', direction: 'asc', search: '山田' })).toEqual(n(1, 2, 4, 8, 10));
    expect(list({ sort: 'time', direction: 'asc', search: 'ALI' })).toEqual(n(4, 8));
  });

  it('agrees with the model for every filter × sort × direction × search, in both digit plans', () => {
    const searches: { text: string | undefined; model: ModelQuery['search'] }[] = [
      { text: undefined, model: undefined },
      { text: '03', model: { digits: '03' } },
      { text: '0312 34', model: { digits: '031234' } },
      { text: '+81 3-1234', model: { digits: '031234' } },
      { text: '+1 212', model: { digits: '1212' } },
      { text: '1', model: { digits: '1' } },
      { text: '山田', model: { keys: ['+81312345678', '1001'], name: '山田' } },
      { text: 'alice', model: { keys: [], name: 'alice' } },
    ];
    for (const threshold of [0, 1e9]) {
      const history = createHistoryQuery(db, phonebook, { digitPlanThreshold: () => threshold });
      for (let mask = 0; mask < 16; mask++) {
        const kinds = KINDS.filter((_, bit) => (mask & (1 << bit)) !== 0);
        for (const sort of SORTS) {
          for (const direction of DIRECTIONS) {
            for (const search of searches) {
              const q = { sort, direction, kinds, ...(search.text !== undefined ? { search: search.text } : {}) };
              const expected = modelIds(model, { sort, direction, kinds, ...(search.model ? { search: search.model } : {}) });
              for (const limit of [1, 4, 50]) expect(allIds(history, { ...q, limit }), JSON.stringify({ ...q, limit, threshold })).toEqual(expected);
            }
          }
        }
      }
    }
  });

  it('reads a typed number in any format', () => {
    const history = createHistoryQuery(db, noContacts);
    const found = (search: string) => allIds(history, { sort: 'time', direction: 'asc', limit: 10, search });
    for (const typed of ['03-1234', '0312', '+81 3 1234', '+81 (0)3 1234', '０３（１２３４）', '03.1234', '031234 ']) {
      expect(found(typed), typed).toEqual(n(1, 2, 5, 8));
    }
    expect(found('0312345678')).toEqual(n(1, 2, 8));
    expect(found('090-1111')).toEqual(n(3));
    expect(found('+1 212')).toEqual(n(7));
    expect(found('9')).toEqual([]);
    // Not a number and no letter either: nothing, rather than the phonebook's first page.
    expect(found('+')).toEqual([]);
    expect(found('---')).toEqual([]);
  });

  it('returns rows with kind, contact name and every stored field', () => {
    const contacts = createContactsService(db, { now: () => 1 });
    contacts.create({ name: '山田 太郎', kana: 'やまだ たろう', company: '', department: '', numbers: [{ label: '会社', number: '03-1234-5678' }], email: '', notes: '', favourite: false, photo: null });
    const history = createHistoryQuery(db, contacts);
    const page = HistoryPage.parse(history.query({ sort: 'time', direction: 'asc', limit: 2 }));
    expect(page.rows[0]).toEqual({
      id: ids[0],
      callId: expect.any(String),
      direction: 'outgoing',
      outcome: 'answered',
      remoteNumber: '03-1234-5678',
      remoteName: null,
      localAccount: '1001@pbx.test',
      startedAt: 100,
      answeredAt: 1100,
      endedAt: 31_100,
      durationSec: 30,
      endReason: null,
      kind: 'outgoing',
      contactName: '山田 太郎',
    });
    expect(page.rows[1]).toMatchObject({ kind: 'missed', remoteName: 'Yamada', contactName: '山田 太郎' });
  });

  it('resolves the contact name when the page is read: a rename renames the history', () => {
    const contacts = createContactsService(db, { now: () => 1 });
    const input = { kana: '', company: '', department: '', email: '', notes: '', photo: null };
    const yamada = contacts.create({ ...input, name: '山田', numbers: [{ label: '会社', number: '0312345678' }], favourite: false });
    const history = createHistoryQuery(db, contacts);
    const nameOf = (position: number) =>
      history.query({ sort: 'time', direction: 'asc', limit: 10 }).rows.find((r) => r.id === ids[position - 1])?.contactName;
    expect(nameOf(2)).toBe('山田');
    contacts.update(yamada.id, { ...input, name: '山田 (本社)', numbers: [{ label: '会社', number: '0312345678' }], favourite: false });
    expect(nameOf(2)).toBe('山田 (本社)');
    // Two contacts with the number: the favourite's name, as the incoming-call lookup shows.
    contacts.create({ ...input, name: '受付', numbers: [{ label: '代表', number: '+81 3 1234 5678' }], favourite: true });
    expect(nameOf(2)).toBe('受付');
    expect(nameOf(2)).toBe(contacts.lookup('+81312345678')?.name);
    expect(nameOf(6)).toBeNull(); // anonymous: no key, no name
    contacts.delete(yamada.id);
    expect(nameOf(1)).toBe('受付');
  });

  it('searches names through the phonebook, and the SIP display name for callers not in it', () => {
    const contacts = createContactsService(db, { now: () => 1 });
    const input = { company: '', department: '', email: '', notes: '', photo: null, favourite: false };
    contacts.create({ ...input, name: '山田 太郎', kana: 'やまだ たろう', numbers: [{ label: '会社', number: '(03) 1234-5678' }] });
    contacts.create({ ...input, name: '鈴木 一郎', kana: 'すずき いちろう', numbers: [{ label: '内線', number: '1001' }] });
    const history = createHistoryQuery(db, contacts);
    const found = (search: string) => allIds(history, { sort: 'time', direction: 'asc', limit: 2, search });
    expect(found('やまだ')).toEqual(n(1, 2, 8));
    expect(found('ヤマダ')).toEqual(n(1, 2, 8));
    expect(found('鈴木')).toEqual(n(4, 10));
    expect(found('Yama')).toEqual(n(2)); // display name only
    expect(found('alice')).toEqual(n(4, 8));
    expect(found('誰も')).toEqual([]);
  });

  it('refuses bad cursors with invalid-payload', () => {
    const history = createHistoryQuery(db, noContacts);
    const q: ParsedHistoryQuery = { sort: 'time', direction: 'desc', limit: 2 };
    const good = history.query(q).nextCursor!;
    const json = JSON.parse(Buffer.from(good, 'base64url').toString('utf8')) as Record<string, unknown>;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const bad = [
      '',
      'not base64!',
      'AAAA',
      encode('x'),
      encode(null),
      encode([1, 2]),
      encode({}),
      encode({ ...json, s: 'number' }),
      encode({ ...json, d: 'asc' }),
      encode({ ...json, f: 'someone-else' }),
      encode({ ...json, v: '200' }),
      encode({ ...json, v: 1.5 }),
      encode({ ...json, v: 2 ** 60 }),
      encode({ ...json, i: 1.5 }),
      encode({ ...json, i: '3' }),
      encode({ ...json, extra: 1 }),
      encode({ i: json.i, v: json.v, f: json.f, d: json.d, s: json.s }),
      Buffer.from(JSON.stringify(json, null, 1), 'utf8').toString('base64url'),
      `${good}=`,
      good.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      'A'.repeat(600),
    ];
    for (const cursor of bad) {
      let error: unknown;
      try {
        history.query({ ...q, cursor });
      } catch (caught) {
        error = caught;
      }
      expect(error, cursor).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code, cursor).toBe('invalid-payload');
    }
    // A cursor is tied to its order, filter and search: each change of those refuses it.
    expect(() => history.query({ ...q, direction: 'asc', cursor: good })).toThrow(ServiceError);
    expect(() => history.query({ ...q, kinds: ['missed'], cursor: good })).toThrow(ServiceError);
    expect(() => history.query({ ...q, search: '03', cursor: good })).toThrow(ServiceError);
    // …but not the kinds' spelling: same set, any order, all four = none.
    const some = history.query({ ...q, kinds: ['missed', 'outgoing'] }).nextCursor!;
    expect(() => history.query({ ...q, kinds: ['outgoing', 'missed', 'missed'], cursor: some })).not.toThrow();
    const all = history.query({ ...q, kinds: [...KINDS] }).nextCursor!;
    expect(history.query({ ...q, cursor: all }).rows).toEqual(history.query({ ...q, kinds: [], cursor: all }).rows);
    // Sort values of the right type for the other orders are accepted.
    const byDuration = { ...q, sort: 'duration' as const };
    let cursor = history.query(byDuration).nextCursor;
    while (cursor !== null) cursor = history.query({ ...byDuration, cursor }).nextCursor;
    const durationCursor = JSON.parse(Buffer.from(history.query({ ...byDuration, limit: 8 }).nextCursor!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(durationCursor.v).toBeNull(); // the eighth row is in the never-answered phase
    expect(() => history.query({ ...byDuration, cursor: encode({ ...durationCursor, v: -1 }) })).toThrow(ServiceError);
    expect(() => history.query({ ...byDuration, cursor: encode({ ...durationCursor, v: 'x' }) })).toThrow(ServiceError);
  });

  it('a well-formed cursor with a sort value outside the search still returns only matches', () => {
    const history = createHistoryQuery(db, noContacts);
    const forge = (q: ParsedHistoryQuery, value: string) => {
      const real = JSON.parse(Buffer.from(history.query(q).nextCursor!, 'base64url').toString('utf8')) as Record<string, unknown>;
      return Buffer.from(JSON.stringify({ ...real, v: value, i: 1 }), 'utf8').toString('base64url');
    };
    // With a second 0312349… call, a one-row page has a cursor to start from.
    insertCalls(db, [{ direction: 'outgoing', outcome: 'answered', remoteNumber: '0312349000', startedAt: 1, durationSec: 1 }]);
    for (const direction of DIRECTIONS) {
      const q: ParsedHistoryQuery = { sort: 'number', direction, limit: 1, search: '0312349' };
      const cursor = forge(q, direction === 'asc' ? '0' : '9');
      const rows = history.query({ ...q, limit: 10, cursor }).rows;
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(remoteKeys(row.remoteNumber).remoteDigits.startsWith('0312349')).toBe(true);
    }
  });

  it('deletes rows in one transaction, never a call still in progress', () => {
    const open = insertCalls(db, [{ direction: 'incoming', outcome: null, remoteNumber: '0311112222', startedAt: 900, durationSec: null }])[0]!;
    const history = createHistoryQuery(db, noContacts);
    expect(history.deleteRows([ids[0]!, ids[1]!, ids[0]!, 99_999, open])).toBe(2);
    expect(allIds(history, { sort: 'time', direction: 'asc', limit: 100 })).toEqual([...n(3, 4, 5, 6, 7, 8, 9, 10), open]);
    // A failure part-way leaves every row in place.
    db.exec(`CREATE TEMP TRIGGER refuse BEFORE DELETE ON main.calls WHEN old.id = ${ids[4]} BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    expect(() => history.deleteRows([ids[2]!, ids[3]!, ids[4]!])).toThrow(/refused/);
    expect(allIds(history, { sort: 'time', direction: 'asc', limit: 100 })).toEqual([...n(3, 4, 5, 6, 7, 8, 9, 10), open]);
    expect(history.deleteRows([])).toBe(0);
  });
});

describe('CSV export', () => {
  const tz = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'Asia/Tokyo';
  });
  afterAll(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('writes UTF-8 with BOM, CRLF, our header, Excel-safe cells, in the list order and filter', () => {
    const db = openDatabase(join(temp.dir, 'csv.sqlite'));
    const at = Date.UTC(2025, 0, 31, 15, 4, 5); // 2025/02/01 00:04:05 in Tokyo
    insertCalls(db, [
      { direction: 'incoming', outcome: 'missed', remoteNumber: '+81312345678', remoteName: '=HYPERLINK("http://x")', startedAt: at, durationSec: null },
      { direction: 'outgoing', outcome: 'answered', remoteNumber: '0312345678', startedAt: at + 1000, durationSec: 61, localAccount: '@evil' },
      { direction: 'incoming', outcome: 'rejected', remoteNumber: '-1', remoteName: '山田, "太郎"', startedAt: at + 2000, durationSec: null },
      { direction: 'incoming', outcome: null, remoteNumber: '1001', remoteName: "'+quoted", startedAt: at + 3000, durationSec: null },
      { direction: 'incoming', outcome: 'interrupted', remoteNumber: 'anonymous', remoteName: '\tx', startedAt: at + 4000, durationSec: null },
    ]);
    const contacts = createContactsService(db, { now: () => 1 });
    contacts.create({ name: '+Plus 商事', kana: '', company: '', department: '', numbers: [{ label: '会社', number: '1001' }], email: '', notes: '', favourite: false, photo: null });
    const history = createHistoryQuery(db, contacts);
    const bytes = history.exportCsv({ sort: 'time', direction: 'asc' });
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.slice(3));
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/);
    expect(text.split('\r\n')).toEqual([
      '種別,日時,番号,名前,着信番号/応答者,通話時間(秒),結果',
      `不在,2025/02/01 00:04:05,'+81312345678,"'=HYPERLINK(""http://x"")",1001@pbx.test,,不在`,
      `発信,2025/02/01 00:04:06,'0312345678,,'@evil,61,応答`,
      `拒否,2025/02/01 00:04:07,'-1,"山田, ""太郎""",1001@pbx.test,,拒否`,
      // The phonebook name wins over the SIP display name.
      `着信,2025/02/01 00:04:08,'1001,'+Plus 商事,1001@pbx.test,,通話中`,
      `着信,2025/02/01 00:04:09,'anonymous,'\tx,1001@pbx.test,,中断`,
      '',
    ]);
    const missedOnly = new TextDecoder().decode(history.exportCsv({ sort: 'time', direction: 'desc', kinds: ['missed', 'rejected'] }));
    expect(missedOnly.split('\r\n').slice(1, -1).map((line) => line.split(',')[0])).toEqual(['拒否', '不在']);
    db.close();
  });

  it('exports every page of a long history, once each', () => {
    const db = openDatabase(join(temp.dir, 'long.sqlite'));
    const calls: Call[] = Array.from({ length: 2_345 }, (_, i) => ({
      direction: i % 3 ? 'incoming' : 'outgoing',
      outcome: 'answered',
      remoteNumber: `03${String(10_000_000 + i)}`,
      startedAt: 1_700_000_000_000 + Math.floor(i / 7) * 1000,
      durationSec: i % 5 === 0 ? null : i % 17,
    }));
    insertCalls(db, calls);
    const history = createHistoryQuery(db, noContacts);
    const query: HistoryExportQuery = { sort: 'duration', direction: 'desc', search: '031' };
    const lines = new TextDecoder().decode(history.exportCsv(query)).split('\r\n').slice(1, -1);
    expect(lines).toHaveLength(calls.length);
    expect(new Set(lines.map((line) => line.split(',')[2])).size).toBe(calls.length);
    db.close();
  });
});

describe('pagination (property)', () => {
  const NUMBERS = ['03-1234-5678', '+81312345678', '0312340000', '1001', '1002', 'anonymous', '+12125550100', '*21#', '0901234567', '06-1234-5678'];
  const NAMES = [null, null, 'Alice', 'alice b', 'ALI', '山田', 'Bob'];
  const phonebook: ContactsSearch = {
    search: (query) => (query === '山田' ? [{ numbers: [{ number: '03-1234-5678' }, { number: '1001' }] }] : []),
  };
  const callArb = fc.record({
    direction: fc.constantFrom('outgoing' as const, 'incoming' as const),
    outcome: fc.constantFrom<Outcome>('answered', 'missed', 'rejected', 'cancelled', 'failed', 'interrupted', null),
    remoteNumber: fc.constantFrom(...NUMBERS),
    remoteName: fc.constantFrom(...NAMES),
    startedAt: fc.integer({ min: 0, max: 12 }),
    durationSec: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  });
  const searchArb = fc.oneof(
    fc.constant({ text: undefined, model: undefined }),
    fc.constantFrom(...NUMBERS).chain((number) =>
      fc.integer({ min: 1, max: 6 }).map((length) => {
        const digits = remoteKeys(number).remoteDigits.slice(0, length) || '0';
        return { text: digits, model: { digits } };
      }),
    ),
    fc.constant({ text: '山田', model: { keys: ['03-1234-5678', '1001'].map((x) => normalizePhoneNumber(x)), name: '山田' } }),
    fc.constantFrom('ali', 'Bo', 'zz').map((name) => ({ text: name, model: { keys: [], name } })),
  );

  it('every row exactly once, in order, whatever the data, query and page size', () => {
    const db = openDatabase(join(temp.dir, 'p.sqlite'));
    fc.assert(
      fc.property(
        fc.array(callArb, { maxLength: 40 }),
        fc.subarray([...KINDS]),
        fc.constantFrom(...SORTS),
        fc.constantFrom(...DIRECTIONS),
        searchArb,
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom(0, 1e9, 5),
        (calls, kinds, sort, direction, search, limit, threshold) => {
          db.exec('DELETE FROM calls');
          const ids = insertCalls(db, calls);
          const model = calls.map((call, i) => ({ ...call, id: ids[i]! }));
          const history = createHistoryQuery(db, phonebook, { digitPlanThreshold: () => threshold });
          const q = { sort, direction, kinds, limit, ...(search.text !== undefined ? { search: search.text } : {}) };
          const got = allIds(history, q);
          expect(got).toEqual(modelIds(model, { sort, direction, kinds, ...(search.model ? { search: search.model } : {}) }));
          expect(new Set(got).size).toBe(got.length);
        },
      ),
      { numRuns: 300 },
    );
    db.close();
  });
});

// ---------------------------------------------------------------------------------------------
// Query plans: the statements the engine really runs, with their parameters, recorded through a
// thin proxy, then EXPLAIN QUERY PLAN'd.


interface PlanRow {
  id: number;
  parent: number;
  detail: string;
}

/** Plan lines, each with the chain of its ancestors' details. */
function planOf(db: Database, executed: Executed): { detail: string; ancestors: string[] }[] {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${executed.sql}`).all(...executed.params) as PlanRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return rows.map((row) => {
    const ancestors: string[] = [];
    for (let p = byId.get(row.parent); p; p = byId.get(p.parent)) ancestors.push(p.detail);
    return { detail: row.detail, ancestors };
  });
}

describe('query plans', () => {
  function bigHistory(file: string): Database {
    const db = openDatabase(file);
    // Most numbers start 03 (a prefix the ordered plan serves), few 0312345 (the sorted plan).
    const calls: Call[] = Array.from({ length: 6_000 }, (_, i) => ({
      direction: i % 2 ? 'incoming' : 'outgoing',
      outcome: (['answered', 'missed', 'rejected', 'answered'] as const)[i % 4]!,
      remoteNumber: i % 100 === 0 ? `031234567${i % 10}` : `03${String(20_000_000 + i * 37)}`,
      remoteName: i % 50 === 0 ? `Caller ${i}` : null,
      startedAt: 1_700_000_000_000 + i * 1000,
      durationSec: i % 3 ? i % 300 : null,
    }));
    insertCalls(db, calls);
    return db;
  }

  for (const analyzed of [false, true]) {
    it(`every combination is served from an index, no table scan, no sort of the whole set${analyzed ? ' (after ANALYZE)' : ''}`, () => {
      const raw = bigHistory(join(temp.dir, 'plans.sqlite'));
      if (analyzed) raw.exec('ANALYZE');
      const { db, log } = recording(raw);
      const phonebook: ContactsSearch = { search: () => [{ numbers: [{ number: '0312345670' }, { number: '0312345671' }] }] };
      const history = createHistoryQuery(db, phonebook);
      // 03: thousands of matches (ordered plan); 0312345: ~60 (sorted plan); a name.
      expect(digitProbeLimit(101)).toBeLessThan(5_000);
      const searches = [undefined, '03', '0312345', '山田'];
      let statements = 0;
      for (let mask = 0; mask < 16; mask++) {
        const kinds = KINDS.filter((_, bit) => (mask & (1 << bit)) !== 0);
        for (const sort of SORTS) {
          for (const direction of DIRECTIONS) {
            for (const search of searches) {
              const q: ParsedHistoryQuery = { sort, direction, kinds, limit: 100, ...(search ? { search } : {}) };
              const from = log.length;
              const first = history.query(q);
              // A deep page too: the cursor's row value must bound the index range.
              if (first.nextCursor !== null) history.query({ ...q, cursor: first.nextCursor });
              for (const executed of log.slice(from)) {
                statements++;
                const label = `${JSON.stringify(q)}\n${executed.sql}`;
                const plan = planOf(raw, executed);
                for (const { detail, ancestors } of plan) {
                  // A full table scan, in any part of the statement.
                  expect(detail, label).not.toMatch(/^SCAN (c|calls|n|ct|contacts|contact_numbers)$/);
                  expect(detail, label).not.toMatch(/AUTOMATIC/);
                  // Sorting is allowed only inside the bounded set of a search (MATERIALIZE page)
                  // and for the few contacts sharing a number (the contact-name subquery).
                  if (/USE TEMP B-TREE FOR ORDER BY/.test(detail)) {
                    expect(ancestors.some((a) => /^MATERIALIZE page|^CORRELATED SCALAR SUBQUERY/.test(a)), label).toBe(true);
                  }
                }
                const text = plan.map((p) => p.detail).join('\n');
                const sortsASet = executed.sql.includes('WITH page');
                // No search, or digits in number order: always straight out of an index.
                if (search === undefined || (sort === 'number' && search !== '山田')) expect(sortsASet, label).toBe(false);
                if (sortsASet) {
                  expect(text, label).toMatch(/MATERIALIZE page/);
                } else {
                  // Index order: no sort at all outside the contact-name subquery.
                  expect(plan.filter((p) => /TEMP B-TREE/.test(p.detail) && !p.ancestors.some((a) => a.startsWith('CORRELATED'))), label).toEqual([]);
                  // A deep page starts its index range at the cursor.
                  if (executed.sql.includes('(c.started_at, c.id) <')) expect(text, label).toMatch(/started_at<\?/);
                }
              }
            }
          }
        }
      }
      expect(statements).toBeGreaterThan(16 * 3 * 2 * 4);
      raw.close();
    });
  }

  it('a multi-kind listing is a merge of per-kind index ranges', () => {
    const raw = bigHistory(join(temp.dir, 'merge.sqlite'));
    const { db, log } = recording(raw);
    const history = createHistoryQuery(db, noContacts);
    const first = history.query({ sort: 'time', direction: 'desc', limit: 50, kinds: ['missed', 'rejected', 'outgoing'] });
    history.query({ sort: 'time', direction: 'desc', limit: 50, kinds: ['missed', 'rejected', 'outgoing'], cursor: first.nextCursor! });
    const text = planOf(raw, log.at(-1)!).map((p) => p.detail).join('\n');
    expect(text).toMatch(/MERGE \(UNION ALL\)/);
    expect(text.match(/SEARCH c USING INDEX calls_by_kind_time \(kind=\? AND started_at<\?\)/g)).toHaveLength(3);
    raw.close();
  });
});
