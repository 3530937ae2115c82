// Phonebook and history figures on a temp database: 100,000 contacts and 1,000,000 calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createContactsService } from '../../src-main/contacts/contacts-service';
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

export async function benchData(options: { contacts: number; calls: number }): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagu-bench-'));
  const db = openDatabase(join(dir, 'bench.sqlite'));
  const contacts = createContactsService(db, { now: () => Date.now() });
  const results: Record<string, unknown> = {};
  try {
    let t0 = performance.now();
    const batch = 10_000;
    for (let i = 0; i < options.contacts; i += batch) {
      contacts.importAll(Array.from({ length: Math.min(batch, options.contacts - i) }, (_, k) => contactAt(i + k)));
    }
    results['seed: contacts (s)'] = +((performance.now() - t0) / 1000).toFixed(2);
    t0 = performance.now();
    seedHistory(db, options.calls);
    results['seed: calls (s)'] = +((performance.now() - t0) / 1000).toFixed(2);
    db.pragma('optimize');

    // Incoming-number lookup, as the SIP user part arrives: half hits in assorted formats, half misses.
    const random = rng(11);
    const lookups: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const n = Math.floor(random() * options.contacts * 2);
      const number = n < options.contacts ? landline(n).digits : `0${String(9_000_000_000 + n)}`;
      const remote = i % 3 === 0 ? `sip:${number}@pbx.example.jp;user=phone` : i % 3 === 1 ? `+81${number.slice(1)}` : number;
      lookups.push(time(() => contacts.lookup(remote)));
    }
    results['incoming-number lookup (ms), target p99 < 1'] = percentiles(lookups);

    // Search as you type: 1–4 characters of readings (hiragana and katakana), names, digits.
    const queries = ['さ', 'さと', 'さとう', 'さとうた', 'サ', 'サト', 'サトウ', 'サトウタ', '山', '山田', '0', '03', '031', '0312', '09', '090', '0901', 'た', 'たな', 'たなか', 'ゆ', 'ゆみ'];
    const searches: number[] = [];
    for (let round = 0; round < 20; round++) for (const q of queries) searches.push(time(() => contacts.search(q, 50)));
    results['phonebook search-as-you-type, 1–4 chars (ms), target p95 < 10'] = percentiles(searches);

    const csv = generateShiftJisCsv(100_000);
    t0 = performance.now();
    const preview = previewImport(csv, 'bench.csv');
    const parsed = performance.now() - t0;
    contacts.importAll(preview.contacts);
    results['import 100,000-row Shift_JIS CSV (s), target < 10'] = {
      total: +((performance.now() - t0) / 1000).toFixed(2),
      parse: +(parsed / 1000).toFixed(2),
      accepted: preview.contacts.length,
      rejected: preview.rejected.length,
    };

    try {
      const { benchHistory } = await import('./history-bench');
      results['history page of 100 rows, every filter × sort × search (ms), target p95 < 20'] = await benchHistory(db, contacts);
    } catch (error) {
      results['history pages'] = `not measured: ${error instanceof Error ? error.message : String(error)}`;
    }
    results['peak RSS of the main-process work (MiB)'] = +(process.resourceUsage().maxRSS / 1024).toFixed(0);
    return results;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
