// History list timings on a big database (the lead's bench seeds 100k contacts and 1M calls
// with seed.ts): for every filter × sort × direction × search, the first page and a deep page
// (the one after following five cursors), as the list asks for them. Milliseconds, in-process,
// no bridge. A benchmark, not a test: it never fails on a number (target: p95 < 20 ms).
import type { Database } from 'better-sqlite3';
import type { HistoryKind, HistorySort } from '../../src-preload/contract';
import {
  createHistoryQuery,
  fillRemoteKeys,
  NAME_SEARCH_CONTACTS,
  type ContactsSearch,
  type ParsedHistoryQuery,
} from '../../src-main/history/history-query';
import { contactAt, landline } from './seed';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

const KINDS: readonly HistoryKind[] = ['outgoing', 'incoming', 'missed', 'rejected'];

/** Every distinct filter: all kinds, and each proper non-empty subset (14). */
function allFilters(): (HistoryKind[] | undefined)[] {
  const filters: (HistoryKind[] | undefined)[] = [undefined];
  for (let mask = 1; mask < (1 << KINDS.length) - 1; mask++) filters.push(KINDS.filter((_, bit) => (mask & (1 << bit)) !== 0));
  return filters;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (p: number) => +sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(2);
  return { p50: pick(50), p95: pick(95), p99: pick(99) };
}

/**
 * seed.ts's seedHistory inserts calls without remote_key / remote_digits (it predates them).
 * Fills them if any row lacks them; returns how many rows were filled. On 1M rows: seeding
 * 11 s + filling 30 s (each history index updated row by row). Cheaper: seedHistory inserting
 * them itself with remoteKeys() (31 s in all), or seeding at schema version 2 and letting
 * migration 003 backfill before it builds the indexes (11 s + 12 s).
 */
export function ensureHistoryKeys(db: Database): number {
  const missing = db.prepare("SELECT 1 FROM calls WHERE remote_key = '' AND remote_number <> '' LIMIT 1").get();
  return missing === undefined ? 0 : fillRemoteKeys(db);
}

/**
 * Times every combination. `iterations` runs of each (after one warm-up that prepares the
 * statements). Keys read `sort direction | kinds | search | first|deep`.
 */
export async function benchHistory(
  db: Database,
  contacts: ContactsSearch,
  options: { iterations?: number; pageSize?: number; deepPages?: number } = {},
): Promise<Record<string, Percentiles>> {
  const iterations = options.iterations ?? 10;
  const limit = options.pageSize ?? 100;
  const deepPages = options.deepPages ?? 5;
  ensureHistoryKeys(db);
  const history = createHistoryQuery(db, contacts);

  // A number that is in the phonebook and in the history (seedHistory calls landline(0..200k),
  // the phonebook holds landline(0..100k)): its contact's name is the name search.
  const named = contactAt(12_345);
  const searches: Record<string, string | undefined> = {
    none: undefined,
    'digits-2': landline(12_345).digits.slice(0, 2),
    'digits-4': landline(12_345).digits.slice(0, 4),
    name: named.name,
    // A surname alone: the phonebook answers with its first 200 matches, ~400 numbers. (The
    // full name has a dozen calls: one page, so it has no deep-page figure.)
    surname: named.name.split(' ')[0]!,
  };
  const results: Record<string, Percentiles> = {};
  // A name search starts with the phonebook's own search; timed apart so its share is visible.
  for (const [searchName, search] of Object.entries(searches)) {
    if (search === undefined || !searchName.includes('name')) continue;
    const times: number[] = [];
    for (let run = -1; run < iterations; run++) {
      const t0 = performance.now();
      contacts.search(search, NAME_SEARCH_CONTACTS);
      if (run >= 0) times.push(performance.now() - t0);
    }
    results[`contacts.search | ${searchName}`] = percentiles(times);
  }
  for (const sort of ['time', 'number', 'duration'] as const satisfies readonly HistorySort[]) {
    for (const direction of ['desc', 'asc'] as const) {
      for (const kinds of allFilters()) {
        for (const [searchName, search] of Object.entries(searches)) {
          const base: ParsedHistoryQuery = { sort, direction, limit, ...(kinds ? { kinds } : {}), ...(search !== undefined ? { search } : {}) };
          const first: number[] = [];
          const deep: number[] = [];
          for (let run = -1; run < iterations; run++) {
            let t0 = performance.now();
            let page = history.query(base);
            const firstMs = performance.now() - t0;
            let deepMs: number | null = null;
            for (let n = 0; n < deepPages && page.nextCursor !== null; n++) {
              t0 = performance.now();
              page = history.query({ ...base, cursor: page.nextCursor });
              deepMs = performance.now() - t0;
            }
            if (run < 0) continue; // warm-up: statements prepared, pages in the cache
            first.push(firstMs);
            if (deepMs !== null) deep.push(deepMs);
          }
          const key = `${sort} ${direction} | ${kinds ? kinds.join('+') : 'all'} | ${searchName}`;
          results[`${key} | first`] = percentiles(first);
          if (deep.length > 0) results[`${key} | deep`] = percentiles(deep);
          // Let a caller's event loop breathe between combinations.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
  }
  return results;
}
