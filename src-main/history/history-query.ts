// The call-history list as users drive it: filter by kind (発信 / 着信 / 不在 / 拒否), sort by
// time, number or talk time in either direction, search by digits or by phonebook name, and
// page through a virtualised list with a keyset cursor.
//
// Every shape of query is answered from an index (migration 003 lists them):
//
//  - No search, or a digit search sorted by number: the rows come straight out of an index in
//    sort order and the query stops after one page. Several kinds are one index range per kind
//    merged by SQLite (UNION ALL … ORDER BY compiles to a merge of co-routines, not a sort).
//  - A digit search sorted by time or talk time has two plans, and which one is fast depends on
//    how many calls the prefix matches — something the planner cannot know for a bound
//    parameter. So we count, up to digitProbeLimit(), on the digits index first:
//      few matches   → read them from the digits index and sort them (a small sort);
//      many matches  → walk the time (or talk-time) index in order and filter on the digits
//                      stored in that same index; with many matches a page is found quickly.
//    Both plans are pinned with INDEXED BY: the choice is ours, made on a measured count.
//  - A name search is a bounded set: the numbers of at most NAME_SEARCH_CONTACTS contacts, each
//    an index probe, plus the SIP display-name prefix; the matches are sorted.
//
// Talk time is NULL for calls never answered. Those sort last in both directions, which no
// single index order gives (SQLite's indexes put NULL first), so a duration listing runs in two
// phases: the non-NULL durations in order, then the NULLs by id. The cursor says which phase it
// is in (its value is null in the second).
import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { z } from 'zod';
import type { HistoryKind, HistoryPage, HistoryQuery, HistoryRow, HistorySort } from '../../src-preload/contract';
import { normalizePhoneNumber, normalizeRemoteNumber } from '../contacts/phone-number';
import { escapeNumberCell, escapeTextCell } from '../contacts/import-export/csv';
import { encodeUtf8WithBom } from '../contacts/import-export/encoding';
import { ServiceError } from '../support/service-error';
import { toEntry, type CallRow } from './history-row';

/** A request after the contract's validation (kinds optional, limit 1–500, cursor ≤ 512 chars). */
export type ParsedHistoryQuery = z.output<typeof HistoryQuery>;
/** What an export takes: the list's filters and order, every page. */
export type HistoryExportQuery = Omit<ParsedHistoryQuery, 'limit' | 'cursor'>;

/** The part of the contacts service a name search needs. */
export interface ContactsSearch {
  search(query: string, limit: number): { numbers: { number: string }[] }[];
}

/** How many contacts a name search takes from the phonebook (each adds its numbers). */
export const NAME_SEARCH_CONTACTS = 200;
/**
 * Where a digit search sorted by time or talk time switches plans: below this many matches,
 * read them all and sort; from it on, walk the sort-order index. Per page, the first plan costs
 * about 1.3 µs per match (a table read for the sort value), the second about 56 ns per index
 * entry walked, i.e. limit / matches × rows × 56 ns (measured at 1M rows). They break even
 * near √(limit × rows × 0.043) — about 2 000 for a page of 100 in a million calls — and both
 * cost ~3 ms there. Fewer rows only make the walk cheaper.
 */
export function digitProbeLimit(limit: number): number {
  return Math.round(200 * Math.sqrt(limit));
}
const EXPORT_PAGE = 1_000;

// ---------------------------------------------------------------------------------------------
// Row keys

/**
 * The derived columns a call row is searched and sorted by. `remoteKey` is what contact numbers
 * are matched on (contact_numbers.normalized): E.164 or the bare dial string, '' when the remote
 * is not a number. It uses normalizeRemoteNumber — the function the incoming-call lookup uses —
 * so the history shows exactly the name the ringing screen showed, and a SIP name that happens
 * to contain digits ('user5@host') is not mistaken for extension 5. `remoteDigits` is the number
 * as people type it: national form for Japan (+81312345678 → 0312345678), the digits of anything
 * else (+12125550100 → 12125550100, *21# → 21).
 */
export function remoteKeys(remoteNumber: string): { remoteKey: string; remoteDigits: string } {
  const remoteKey = normalizeRemoteNumber(remoteNumber);
  const remoteDigits = remoteKey.startsWith('+81') ? `0${remoteKey.slice(3)}` : remoteKey.replace(/\D/g, '');
  return { remoteKey, remoteDigits };
}

/**
 * Fills remote_key / remote_digits of rows that have none yet (''), in id batches: migration
 * 003 for existing history, and bulk seeders that insert without them. Rows whose number has
 * no key are visited and left as they are. Runs in the caller's transaction if there is one.
 */
export function fillRemoteKeys(db: Database, batchSize = 10_000): number {
  // NOT INDEXED: walk the table in id order. Once calls_by_remote_key exists the planner would
  // otherwise read every remote_key = '' entry and sort them, for each batch.
  const next = db.prepare("SELECT id, remote_number FROM calls NOT INDEXED WHERE id > ? AND remote_key = '' ORDER BY id LIMIT ?");
  const update = db.prepare('UPDATE calls SET remote_key = ?, remote_digits = ? WHERE id = ?');
  // Numbers repeat a lot in a history; the normaliser is the expensive part.
  const cache = new Map<string, { remoteKey: string; remoteDigits: string }>();
  let updated = 0;
  return db.transaction(() => {
    let after = 0;
    for (;;) {
      const rows = next.all(after, batchSize) as { id: number; remote_number: string }[];
      if (rows.length === 0) return updated;
      for (const row of rows) {
        let keys = cache.get(row.remote_number);
        if (keys === undefined) {
          keys = remoteKeys(row.remote_number);
          if (cache.size > 100_000) cache.clear();
          cache.set(row.remote_number, keys);
        }
        if (keys.remoteKey !== '' || keys.remoteDigits !== '') {
          update.run(keys.remoteKey, keys.remoteDigits, row.id);
          updated++;
        }
      }
      after = rows.at(-1)!.id;
    }
  })();
}

// ---------------------------------------------------------------------------------------------
// Search text

type Search =
  | { type: 'none' }
  | { type: 'digits'; prefix: string }
  | { type: 'names'; text: string };

// Separators people type or paste inside a number (after NFKC, full-width forms are ASCII):
// spaces, the hyphen and dash family (incl. the minus sign and the kana long-vowel mark typed
// from an IME), brackets and dots.
const NUMBER_SEPARATORS = /[\s\-\u2010-\u2015\u2212\u30fc().]/g;

function classifySearch(raw: string | undefined): Search {
  const text = (raw ?? '').normalize('NFKC').trim();
  if (text === '') return { type: 'none' };
  const compact = text.replace(NUMBER_SEPARATORS, '');
  if (/^\+?[0-9]+$/.test(compact)) return { type: 'digits', prefix: nationalDigits(compact) };
  return { type: 'names', text };
}

/** A typed number (or its beginning) in the form remote_digits holds: '+81 3 1234' and
 *  '+81 (0)3 1234' → '031234'; '+1 212' → '1212'; '03-1234' → '031234'. */
function nationalDigits(compact: string): string {
  if (compact.startsWith('+81')) return `0${compact.slice(3).replace(/^0/, '')}`;
  return compact.startsWith('+') ? compact.slice(1) : compact;
}

// ---------------------------------------------------------------------------------------------
// Cursor: base64url of canonical JSON { s: sort, d: direction, f: filter fingerprint, v: the
// last row's sort value, i: its id }. The fingerprint ties a cursor to the filters and search it
// was made for: a renderer that changed the filter but kept the cursor gets an error, not a
// silently misplaced page.

interface Cursor {
  value: number | string | null;
  id: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function encodeCursor(sort: HistorySort, direction: 'asc' | 'desc', fingerprint: string, cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ s: sort, d: direction, f: fingerprint, v: cursor.value, i: cursor.id }), 'utf8').toString('base64url');
}

function invalidCursor(why: string): ServiceError {
  return new ServiceError('invalid-payload', `bad history cursor: ${why}`);
}

function decodeCursor(text: string, sort: HistorySort, direction: 'asc' | 'desc', fingerprint: string): Cursor {
  if (text.length > 512 || !BASE64URL.test(text)) throw invalidCursor('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor('not an object');
  const { s, d, f, v, i } = parsed as Record<string, unknown>;
  if (s !== sort || d !== direction) throw invalidCursor('made for another order');
  if (f !== fingerprint) throw invalidCursor('made for another filter or search');
  if (typeof i !== 'number' || !Number.isSafeInteger(i)) throw invalidCursor('id');
  const valid =
    sort === 'time'
      ? typeof v === 'number' && Number.isSafeInteger(v)
      : sort === 'number'
        ? typeof v === 'string' && /^[0-9]{0,64}$/.test(v)
        : v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
  if (!valid) throw invalidCursor('sort value');
  const cursor = { value: v as Cursor['value'], id: i };
  // One spelling per cursor: anything we would not have written (extra keys, other key order,
  // whitespace, non-canonical base64) is refused rather than interpreted.
  if (encodeCursor(sort, direction, fingerprint, cursor) !== text) throw invalidCursor('not canonical');
  return cursor;
}

function fingerprintOf(kinds: readonly HistoryKind[] | null, search: Search): string {
  const key = JSON.stringify([kinds, search]);
  return createHash('sha256').update(key).digest('base64url').slice(0, 12);
}

// ---------------------------------------------------------------------------------------------
// SQL

const KIND_ORDER: readonly HistoryKind[] = ['outgoing', 'incoming', 'missed', 'rejected'];

const SORT_COLUMN = { time: 'started_at', number: 'remote_digits', duration: 'duration_sec' } as const satisfies Record<HistorySort, string>;
const ORDER_INDEX = {
  time: { all: 'calls_by_time', kind: 'calls_by_kind_time' },
  number: { all: 'calls_by_digits', kind: 'calls_by_kind_digits' },
  duration: { all: 'calls_by_duration', kind: 'calls_by_kind_duration' },
} as const satisfies Record<HistorySort, { all: string; kind: string }>;

// The phonebook name is read per row at page time: renaming a contact renames their history,
// and it costs one probe of contact_numbers_by_normalized per row. Same choice as the incoming
// call lookup (favourite first, then the oldest contact) so both show the same name.
const COLUMNS = `c.id, c.call_id, c.direction, c.outcome, c.remote_number, c.remote_name, c.local_account,
  c.started_at, c.answered_at, c.ended_at, c.duration_sec, c.end_reason, c.kind, c.remote_digits,
  (SELECT ct.name FROM contact_numbers AS n JOIN contacts AS ct ON ct.id = n.contact_id
    WHERE n.normalized = c.remote_key AND c.remote_key <> '' ORDER BY ct.favourite DESC, ct.id LIMIT 1) AS contact_name`;

interface QueryRow extends CallRow {
  kind: HistoryKind;
  remote_digits: string;
  contact_name: string | null;
}

/** How the search part of a query is answered (see the file comment). */
type SearchPlan =
  | { type: 'none' }
  /** Walk the sort-order index, filter on the digits it holds. */
  | { type: 'digits-ordered'; lo: string; hi: string }
  /** Read the digit range, sort the matches. */
  | { type: 'digits-sorted'; lo: string; hi: string }
  | { type: 'names'; keys: string; nameLo: string; nameHi: string };

interface Shape {
  sort: HistorySort;
  desc: boolean;
  /** null: all kinds. */
  kinds: readonly HistoryKind[] | null;
  search: SearchPlan;
  /** Duration only: the non-NULL talk times, or the NULLs after them. */
  phase: 'values' | 'nulls';
  cursor: Cursor | null;
  limit: number;
}

class Sql {
  readonly params: unknown[];
  constructor(
    public text = '',
    ...params: unknown[]
  ) {
    this.params = params;
  }
  add(text: string, ...params: unknown[]): this {
    this.text += text;
    this.params.push(...params);
    return this;
  }
  append(other: Sql): this {
    return this.add(other.text, ...other.params);
  }
}

/** The WHERE clause of one branch, given its kind term. */
function whereClause(shape: Shape, kindTerm: Sql | null): Sql {
  const terms: Sql[] = [];
  if (kindTerm) terms.push(kindTerm);
  const column = SORT_COLUMN[shape.sort];
  const op = shape.desc ? '<' : '>';
  const { search, cursor } = shape;
  let cursorValue = cursor?.value ?? null;
  let cursorId = cursor?.id ?? 0;
  if (search.type === 'digits-ordered' || search.type === 'digits-sorted') {
    if (shape.sort === 'number' && cursor !== null && shape.phase === 'values') {
      // The cursor side of the prefix range is the cursor itself, so the index range starts at
      // the cursor rather than at the start of the prefix. A cursor outside the range (only a
      // forged one can be) is clamped to it: never a row that does not match.
      terms.push(shape.desc ? new Sql('c.remote_digits >= ?', search.lo) : new Sql('c.remote_digits < ?', search.hi));
      const value = cursorValue as string;
      if (!shape.desc && value < search.lo) [cursorValue, cursorId] = [search.lo, 0];
      if (shape.desc && value > search.hi) cursorValue = search.hi;
    } else {
      terms.push(new Sql('c.remote_digits >= ? AND c.remote_digits < ?', search.lo, search.hi));
    }
  } else if (search.type === 'names') {
    // Both halves pinned to their index: left to itself the planner may prefer walking the time
    // index and testing every row, a full scan for a rarely called name.
    const byKey = new Sql(
      'SELECT id FROM calls INDEXED BY calls_by_remote_key WHERE remote_key IN (SELECT value FROM json_each(?))',
      search.keys,
    );
    // In time order the range of each number can start at the cursor.
    if (shape.sort === 'time' && cursor !== null) byKey.add(` AND (started_at, id) ${op} (?, ?)`, cursor.value, cursor.id);
    terms.push(
      new Sql('c.id IN (')
        .append(byKey)
        .add(
          ' UNION ALL SELECT id FROM calls INDEXED BY calls_by_remote_name WHERE remote_name >= ? COLLATE NOCASE AND remote_name < ? COLLATE NOCASE)',
          search.nameLo,
          search.nameHi,
        ),
    );
  }
  if (shape.sort === 'duration') terms.push(new Sql(shape.phase === 'values' ? 'c.duration_sec IS NOT NULL' : 'c.duration_sec IS NULL'));
  if (cursor !== null) {
    terms.push(shape.phase === 'nulls' ? new Sql(`c.id ${op} ?`, cursorId) : new Sql(`(c.${column}, c.id) ${op} (?, ?)`, cursorValue, cursorId));
  }
  const sql = new Sql();
  terms.forEach((term, index) => sql.add(index === 0 ? ' WHERE ' : ' AND ').append(term));
  return sql;
}

/** ORDER BY of a page; `table` qualifies the columns (a compound's ORDER BY takes bare names). */
function orderBy(shape: Shape, table = ''): string {
  const dir = shape.desc ? 'DESC' : 'ASC';
  const id = `${table}id ${dir}`;
  return shape.phase === 'nulls' ? `ORDER BY ${id}` : `ORDER BY ${table}${SORT_COLUMN[shape.sort]} ${dir}, ${id}`;
}

/** The SELECT for one page (or one phase of a duration page). */
function buildPageSql(shape: Shape): Sql {
  const { search } = shape;
  // The plans that read a bounded set and sort it: one statement, kinds as a list.
  const sorted = search.type === 'names' || (search.type === 'digits-sorted' && shape.sort !== 'number');
  if (sorted) {
    // Two steps: sort only ids and sort values, then read the page's rows and contact names.
    // Sorting whole rows would evaluate the contact-name subquery for every match before the
    // sort (SQLite computes result columns before sorting), ~3× the time for a few thousand.
    // The outer ORDER BY costs nothing: SQLite keeps the materialised subquery's order.
    const kindTerm = shape.kinds ? new Sql('c.kind IN (SELECT value FROM json_each(?))', JSON.stringify(shape.kinds)) : null;
    const indexed =
      search.type === 'digits-sorted' ? ` INDEXED BY ${shape.kinds ? 'calls_by_kind_digits' : 'calls_by_digits'}` : '';
    const column = SORT_COLUMN[shape.sort];
    return new Sql(`WITH page AS MATERIALIZED (SELECT c.id, c.${column} FROM calls AS c${indexed}`)
      .append(whereClause(shape, kindTerm))
      .add(` ${orderBy(shape, 'c.')} LIMIT ?)`, shape.limit)
      .add(` SELECT ${COLUMNS} FROM page CROSS JOIN calls AS c ON c.id = page.id ${orderBy(shape, 'page.')}`);
  }
  // Index-order plans: one branch per kind, each an ordered range of its index, merged.
  const index = ORDER_INDEX[shape.sort];
  const branches = shape.kinds ?? [null];
  const sql = new Sql();
  branches.forEach((kind, n) => {
    sql
      .add(n === 0 ? '' : ' UNION ALL ')
      .add(`SELECT ${COLUMNS} FROM calls AS c INDEXED BY ${kind === null ? index.all : index.kind}`)
      .append(whereClause(shape, kind === null ? null : new Sql('c.kind = ?', kind)));
  });
  return sql.add(` ${orderBy(shape)} LIMIT ?`, shape.limit);
}

function toRow(row: QueryRow): HistoryRow {
  return { ...toEntry(row), kind: row.kind, contactName: row.contact_name };
}

// ---------------------------------------------------------------------------------------------
// CSV

const KIND_LABEL: Record<HistoryKind, string> = { outgoing: '発信', incoming: '着信', missed: '不在', rejected: '拒否' };
const OUTCOME_LABEL: Record<NonNullable<HistoryRow['outcome']>, string> = {
  answered: '応答',
  missed: '不在',
  rejected: '拒否',
  cancelled: 'キャンセル',
  failed: '失敗',
  interrupted: '中断',
};
export const HISTORY_CSV_HEADER = ['種別', '日時', '番号', '名前', '着信番号/応答者', '通話時間(秒)', '結果'] as const;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time as Japanese spreadsheets write it (Excel reads it as a date-time). */
function formatTime(ms: number): string {
  const t = new Date(ms);
  return `${t.getFullYear()}/${pad(t.getMonth() + 1)}/${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

function quote(cell: string): string {
  return /[",\r\n]|^\s|\s$/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

// Formula injection: the same rules as the phonebook export (contacts/import-export/csv.ts).
// Text cells starting with = + - @ tab or CR get a leading apostrophe (and a text that already
// starts with apostrophes before such a character gets one more, so the rule is reversible).
// The number column gets the apostrophe always: +81… would otherwise be a formula, and
// 0312345678 would lose its 0 when Excel turns it into a number.
function csvLine(row: HistoryRow): string {
  return [
    KIND_LABEL[row.kind],
    formatTime(row.startedAt),
    escapeNumberCell(row.remoteNumber),
    escapeTextCell(row.contactName ?? row.remoteName ?? ''),
    escapeTextCell(row.localAccount),
    row.durationSec === null ? '' : String(row.durationSec),
    row.outcome === null ? '通話中' : OUTCOME_LABEL[row.outcome],
  ]
    .map(quote)
    .join(',');
}

// ---------------------------------------------------------------------------------------------

export type HistoryQueryEngine = ReturnType<typeof createHistoryQuery>;

export interface HistoryQueryOptions {
  /** Where digit searches switch plans (tests pin either plan with 0 or a huge number). */
  digitPlanThreshold?: (limit: number) => number;
}

export function createHistoryQuery(db: Database, contacts: ContactsSearch, options: HistoryQueryOptions = {}) {
  const digitPlanThreshold = options.digitPlanThreshold ?? digitProbeLimit;
  const statements = new Map<string, Statement>();
  const prepared = (sql: string): Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const deleteOne = db.prepare('DELETE FROM calls WHERE id = ? AND outcome IS NOT NULL');

  /** Whether a digit prefix matches at least `enough` calls: a count that stops there. */
  function digitMatchesAtLeast(kinds: readonly HistoryKind[] | null, lo: string, hi: string, enough: number): boolean {
    const sql = kinds
      ? `SELECT count(*) FROM (SELECT 1 FROM calls INDEXED BY calls_by_kind_digits
           WHERE kind IN (SELECT value FROM json_each(?)) AND remote_digits >= ? AND remote_digits < ? LIMIT ?)`
      : 'SELECT count(*) FROM (SELECT 1 FROM calls INDEXED BY calls_by_digits WHERE remote_digits >= ? AND remote_digits < ? LIMIT ?)';
    const params = kinds ? [JSON.stringify(kinds), lo, hi, enough] : [lo, hi, enough];
    return (prepared(sql).pluck().get(...params) as number) >= enough;
  }

  function searchPlan(search: Search, sort: HistorySort, kinds: readonly HistoryKind[] | null, limit: number): SearchPlan | null {
    switch (search.type) {
      case 'none':
        return { type: 'none' };
      case 'digits': {
        // Every string of digits starting with the prefix sorts below prefix + ':' (':' follows '9').
        const lo = search.prefix;
        const hi = `${search.prefix}:`;
        if (sort === 'number') return { type: 'digits-ordered', lo, hi };
        return digitMatchesAtLeast(kinds, lo, hi, digitPlanThreshold(limit)) ? { type: 'digits-ordered', lo, hi } : { type: 'digits-sorted', lo, hi };
      }
      case 'names': {
        // Punctuation alone is no name (and the phonebook would answer it with its first page).
        if (!/[\p{L}\p{N}]/u.test(search.text)) return null;
        const keys = new Set<string>();
        for (const contact of contacts.search(search.text, NAME_SEARCH_CONTACTS)) {
          for (const entry of contact.numbers) {
            // The key the phonebook stores for this number (contact_numbers.normalized).
            const key = normalizePhoneNumber(entry.number);
            if (key !== '') keys.add(key);
          }
        }
        return { type: 'names', keys: JSON.stringify([...keys]), nameLo: search.text, nameHi: `${search.text}\u{10FFFF}` };
      }
    }
  }

  function page(q: HistoryExportQuery, limit: number, cursorText: string | undefined): HistoryPage {
    const wanted = new Set(q.kinds ?? []);
    // No kinds or all four: the unfiltered indexes. Canonical order, so the fingerprint and the
    // statement text do not depend on how the renderer ordered its checkboxes.
    const kinds = wanted.size === 0 || wanted.size === KIND_ORDER.length ? null : KIND_ORDER.filter((k) => wanted.has(k));
    const search = classifySearch(q.search);
    const fingerprint = fingerprintOf(kinds, search);
    const cursor = cursorText === undefined ? null : decodeCursor(cursorText, q.sort, q.direction, fingerprint);
    const plan = searchPlan(search, q.sort, kinds, limit);
    if (plan === null) return { rows: [], nextCursor: null };

    // One row more than asked tells whether there is a next page without another query.
    const base = { sort: q.sort, desc: q.direction === 'desc', kinds, search: plan, limit: limit + 1 };
    const run = (shape: Shape): QueryRow[] => {
      const sql = buildPageSql(shape);
      return prepared(sql.text).all(...sql.params) as QueryRow[];
    };
    let rows: QueryRow[];
    if (q.sort !== 'duration') {
      rows = run({ ...base, phase: 'values', cursor });
    } else if (cursor === null || cursor.value !== null) {
      rows = run({ ...base, phase: 'values', cursor });
      if (rows.length <= limit) rows = rows.concat(run({ ...base, phase: 'nulls', cursor: null, limit: limit + 1 - rows.length }));
    } else {
      rows = run({ ...base, phase: 'nulls', cursor });
    }
    const more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    const last = rows.at(-1);
    const nextCursor =
      more && last
        ? encodeCursor(q.sort, q.direction, fingerprint, {
            value: q.sort === 'time' ? last.started_at : q.sort === 'number' ? last.remote_digits : last.duration_sec,
            id: last.id,
          })
        : null;
    return { rows: rows.map(toRow), nextCursor };
  }

  return {
    /** One page of the list. A cursor from another order, filter or search is refused. */
    query(q: ParsedHistoryQuery): HistoryPage {
      return page(q, q.limit, q.cursor);
    },

    /** Deletes the given rows, all in one transaction; returns how many went. A call still in
     *  progress is kept: its end has yet to be written, and would find no row. */
    deleteRows(ids: readonly number[]): number {
      return db.transaction(() => {
        let deleted = 0;
        for (const id of new Set(ids)) deleted += deleteOne.run(id).changes;
        return deleted;
      })();
    },

    /** The list as filtered and sorted, every page, as CSV: UTF-8 with BOM (Excel detects it
     *  only then) and CRLF line ends. */
    exportCsv(q: HistoryExportQuery): Uint8Array {
      const lines = [HISTORY_CSV_HEADER.map(quote).join(',')];
      let cursor: string | undefined;
      do {
        const result = page(q, EXPORT_PAGE, cursor);
        for (const row of result.rows) lines.push(csvLine(row));
        cursor = result.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return encodeUtf8WithBom(`${lines.join('\r\n')}\r\n`);
    },
  };
}
