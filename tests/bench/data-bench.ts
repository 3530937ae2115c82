// Phonebook and history figures on a temp database: 100,000 contacts and 1,000,000 calls.
// The single home of the measurement logic: run.ts calls benchData with both figures, and
// contacts-only.ts calls it with `calls: 0` (no history seeded or measured) to iterate on the
// phonebook in about a minute instead of the full run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createContactsService, type ContactsService } from '../../src-main/contacts/contacts-service';
import { previewImport } from '../../src-main/contacts/import-export';
import { openDatabase } from '../../src-main/db/database';
import { generateShiftJisCsv } from '../unit/contacts/import-export/generate';
import { contactAt, landline, rng, seedHistory } from './seed';

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(3);
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Fills the phonebook through importAll (the import path) in batches of 10,000; seconds. */
function seedContacts(contacts: ContactsService, count: number): number {
  const t0 = performance.now();
  const batch = 10_000;
  for (let i = 0; i < count; i += batch) {
    contacts.importAll(Array.from({ length: Math.min(batch, count - i) }, (_, k) => contactAt(i + k)));
  }
  return +((performance.now() - t0) / 1000).toFixed(2);
}

/** Incoming-number lookup, as the SIP user part arrives: half hits in assorted formats, half misses. */
function benchLookups(contacts: ContactsService, count: number): Percentiles {
  const random = rng(11);
  const lookups: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const n = Math.floor(random() * count * 2);
    const number = n < count ? landline(n).digits : `0${String(9_000_000_000 + n)}`;
    const remote = i % 3 === 0 ? `sip:${number}@pbx.example.jp;user=phone` : i % 3 === 1 ? `+81${number.slice(1)}` : number;
    lookups.push(time(() => contacts.lookup(remote)));
  }
  return percentiles(lookups);
}

/** The search-as-you-type queries: 1–4 characters of readings (hiragana and katakana), names, digits. */
export const SEARCH_QUERIES = ['さ', 'さと', 'さとう', 'さとうた', 'サ', 'サト', 'サトウ', 'サトウタ', '山', '山田', '0', '03', '031', '0312', '09', '090', '0901', 'た', 'たな', 'たなか', 'ゆ', 'ゆみ'];

function benchSearch(contacts: ContactsService): Percentiles {
  const searches: number[] = [];
  for (let round = 0; round < 20; round++) for (const q of SEARCH_QUERIES) searches.push(time(() => contacts.search(q, 50)));
  return percentiles(searches);
}

/** A 100,000-row Shift_JIS CSV, previewed (decode, parse, validate) and applied in one transaction. */
function benchImport(contacts: ContactsService) {
  const csv = generateShiftJisCsv(100_000);
  const t0 = performance.now();
  const preview = previewImport(csv, 'bench.csv');
  const parsed = performance.now() - t0;
  contacts.importAll(preview.contacts);
  const total = performance.now() - t0;
  return {
    total: +(total / 1000).toFixed(2),
    parse: +(parsed / 1000).toFixed(2),
    insert: +((total - parsed) / 1000).toFixed(2),
    accepted: preview.contacts.length,
    rejected: preview.rejected.length,
  };
}

/** `calls: 0` measures the phonebook alone: no history is seeded and the history pages are skipped. */
export async function benchData(options: { contacts: number; calls: number }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagu-bench-'));
  const db = openDatabase(join(dir, 'bench.sqlite'));
  const contacts = createContactsService(db, { now: () => Date.now() });
  const results: Record<string, unknown> = {};
  try {
    results['seed: contacts (s)'] = seedContacts(contacts, options.contacts);
    if (options.calls > 0) {
      const t0 = performance.now();
      seedHistory(db, options.calls);
      results['seed: calls (s)'] = +((performance.now() - t0) / 1000).toFixed(2);
    }
    db.pragma('optimize');

    results['incoming-number lookup (ms), target p99 < 1'] = benchLookups(contacts, options.contacts);
    results['phonebook search-as-you-type, 1–4 chars (ms), target p95 < 10'] = benchSearch(contacts);
    results['import 100,000-row Shift_JIS CSV (s), target < 10'] = benchImport(contacts);

    if (options.calls > 0) {
      try {
        const { benchHistory } = await import('./history-bench');
        results['history page of 100 rows, every filter × sort × search (ms), target p95 < 20'] = await benchHistory(db, contacts);
      } catch (error) {
        results['history pages'] = `not measured: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    results['peak RSS of the main-process work (MiB)'] = +(process.resourceUsage().maxRSS / 1024).toFixed(0);
    return results;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
