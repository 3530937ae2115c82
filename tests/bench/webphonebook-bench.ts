// Web phonebook (Web電話帳) figures against a real Radicale on loopback: first sync of the whole
// address book, incremental sync with one change (and with none), live lookup on the server,
// and the cache lookup for comparison. run.ts calls benchWebPhonebook; webphonebook-only.ts
// runs it alone. A benchmark: targets are reported as { target, met }, never asserted.
//
// The service is the product's (createWebPhonebookService) on a cache opened as the app opens
// its database (openDatabase: real file, WAL, synchronous = FULL, every migration). What the
// bench adds around it only observes: onRequest (server round trips), a timing wrapper on the
// CardDAV client (round trip + multistatus XML parse) and on db.transaction (vCard mapping is
// outside, normalising, folding and SQLite writes inside), Radicale's CPU time from /proc, and
// the RSS of this process sampled while the first sync runs.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'better-sqlite3';
import { openDatabase } from '../../src-main/db/database';
import { createCardDavClient, type CardDavClient, type CardDavServerConfig, type CardDavClientOptions, type RequestInfo } from '../../src-main/webphonebook/carddav-client';
import { readWebCard } from '../../src-main/webphonebook/web-card';
import { createWebPhonebookService, type SyncResult, type WebPhonebookConfig } from '../../src-main/webphonebook/web-phonebook-service';
import { startRadicale, type RadicaleLab } from '../lab/radicale';
import { expectedName, landline, makeCard, makeCards, mobile, uidOf } from '../unit/webphonebook/cards';

const FIRST_SYNC_RUNS = Number(process.env.BENCH_WEBPB_FIRST_SYNCS ?? 3);
const INCREMENTAL_RUNS = Number(process.env.BENCH_WEBPB_INCREMENTAL ?? 20);
const LIVE_LOOKUPS = Number(process.env.BENCH_WEBPB_LIVE_LOOKUPS ?? 100);
/** Radicale scans (and parses) every card for each live lookup: seconds per lookup on 10,000
 *  cards. The lookups stop once this budget is spent (at least LIVE_MIN_LOOKUPS are made). */
const LIVE_BUDGET_MS = Number(process.env.BENCH_WEBPB_LIVE_BUDGET_S ?? 120) * 1000;
const LIVE_MIN_LOOKUPS = 5;
const CACHE_LOOKUPS = 5000;
const LIVE_TIMEOUT_MS = 15_000;
const USER = { user: 'alice', password: 'alicepass' };

function summary(values: readonly number[], digits = 1) {
  const sorted = [...values].sort((a, b) => a - b);
  const fix = (v: number | undefined) => (v === undefined ? NaN : +v.toFixed(digits));
  const pick = (p: number) => fix(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
  return { n: sorted.length, min: fix(sorted[0]), p50: pick(50), p95: pick(95), p99: pick(99), max: fix(sorted.at(-1)) };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
};
const mib = (bytes: number) => +(bytes / 1024 / 1024).toFixed(1);
const round = (v: number, digits = 0) => +v.toFixed(digits);

/** Radicale's CPU time so far (user + system, all threads), from /proc; null when not found. */
function radicaleCpuReader(lab: RadicaleLab): () => number | null {
  let pid: string | null = null;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        // `python3 -m radicale --config <dir>/radicale.conf` (not the watchdog shell, which names the dir too).
        if (cmdline.includes('\0-m\0radicale\0') && cmdline.includes(lab.dir)) {
          pid = entry;
          break;
        }
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  // Clock ticks: 100 Hz on every Linux this runs on (USER_HZ).
  return () => {
    if (pid === null) return null;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return null;
    }
  };
}

/** Sums how long db.transaction(...)() runs: the service's store/delete transactions. */
function timedTransactions(db: Database): { db: Database; ms: () => number; reset: () => void } {
  let total = 0;
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction') {
        return (fn: (...args: unknown[]) => unknown) => {
          const tx = target.transaction(fn);
          return (...args: unknown[]) => {
            const started = performance.now();
            try {
              return tx(...args);
            } finally {
              total += performance.now() - started;
            }
          };
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, ms: () => total, reset: () => (total = 0) };
}

interface ClientTimes {
  /** Per client method: calls and wall time (round trip + XML parse of the answer). */
  methods: Map<string, { calls: number; ms: number }>;
  /** Every vCard text a multiget returned (kept for a parse-only figure). */
  vcards: string[] | null;
}

function timingClientFactory(times: ClientTimes) {
  return (config: CardDavServerConfig, options: CardDavClientOptions): CardDavClient => {
    const client = createCardDavClient(config, options);
    const timed = <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const started = performance.now();
        try {
          return await fn(...args);
        } finally {
          const entry = times.methods.get(name) ?? { calls: 0, ms: 0 };
          entry.calls++;
          entry.ms += performance.now() - started;
          times.methods.set(name, entry);
        }
      };
    return {
      baseUrl: client.baseUrl,
      discover: timed('discover', client.discover),
      syncCollection: timed('syncCollection', client.syncCollection),
      listEtags: timed('listEtags', client.listEtags),
      getCtag: timed('getCtag', client.getCtag),
      multiget: timed('multiget', async (url: string, hrefs: readonly string[]) => {
        const result = await client.multiget(url, hrefs);
        if (times.vcards) for (const card of result.cards) times.vcards.push(card.vcard);
        return result;
      }),
      queryByTel: timed('queryByTel', client.queryByTel),
      close: () => client.close(),
    };
  };
}

const quietLog = { info() {}, warn() {}, error() {} };

function freshCache() {
  const dir = mkdtempSync(join(tmpdir(), 'tsunagu-webpb-bench-'));
  const db = openDatabase(join(dir, 'cache.sqlite'));
  return {
    db,
    cleanup: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function makeService(db: Database, requests: RequestInfo[], times: ClientTimes) {
  return createWebPhonebookService({
    db,
    clock: { now: () => Date.now() },
    log: quietLog,
    createClient: timingClientFactory(times),
    clientOptions: { onRequest: (r) => requests.push(r) },
  });
}

/** Per sync: the round-trip time of each kind of request ('discover ×4': four PROPFINDs). */
function addByKind(into: Map<string, number[]>, requests: readonly RequestInfo[]): void {
  const kinds = new Map<string, { count: number; ms: number }>();
  for (const r of requests) {
    const entry = kinds.get(r.kind) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += r.tookMs;
    kinds.set(r.kind, entry);
  }
  for (const [kind, { count, ms }] of kinds) {
    const key = `${kind} ×${count}`;
    into.set(key, [...(into.get(key) ?? []), ms]);
  }
}

const p50ByKind = (byKind: Map<string, number[]>) => Object.fromEntries([...byKind].map(([key, values]) => [key, round(median(values), 1)]));

const sumMs = (requests: readonly RequestInfo[], kind: RequestInfo['kind']) => requests.filter((r) => r.kind === kind).reduce((s, r) => s + r.tookMs, 0);

export async function benchWebPhonebook(opts: { cards: number }): Promise<Record<string, unknown>> {
  const n = opts.cards;
  const lab = await startRadicale({ users: [USER] });
  const config: WebPhonebookConfig = { server: lab.host, ssl: false, user: USER.user, password: USER.password };
  const caches: ReturnType<typeof freshCache>[] = [];
  try {
    const radicaleCpu = radicaleCpuReader(lab);
    const uploadStarted = performance.now();
    await lab.putMany(USER.user, makeCards(n));
    const uploadMs = performance.now() - uploadStarted;

    // (a) First sync, each time into a fresh cache file.
    const firstRuns: Record<string, unknown>[] = [];
    const firstMs: number[] = [];
    let peakRss = 0;
    let kept: { service: ReturnType<typeof makeService>; requests: RequestInfo[] } | null = null;
    for (let run = 0; run < FIRST_SYNC_RUNS; run++) {
      const cache = freshCache();
      caches.push(cache);
      const tx = timedTransactions(cache.db);
      const requests: RequestInfo[] = [];
      const times: ClientTimes = { methods: new Map(), vcards: run === 0 ? [] : null };
      const service = makeService(tx.db, requests, times);
      // With `node --expose-gc`: start from a collected heap, so "before" is what is really held.
      (globalThis as { gc?: () => void }).gc?.();
      const before = process.memoryUsage();
      const rssBefore = before.rss;
      let runPeak = rssBefore;
      let heapPeak = before.heapUsed;
      const sample = () => {
        const now = process.memoryUsage();
        runPeak = Math.max(runPeak, now.rss);
        heapPeak = Math.max(heapPeak, now.heapUsed);
      };
      const sampler = setInterval(sample, 10);
      const cpuBefore = process.cpuUsage();
      const radicaleBefore = radicaleCpu();
      const started = performance.now();
      let result: SyncResult;
      try {
        result = await service.sync(config, sample);
      } finally {
        clearInterval(sampler);
      }
      const wall = performance.now() - started;
      sample();
      const cpu = process.cpuUsage(cpuBefore);
      const radicaleAfter = radicaleCpu();
      peakRss = Math.max(peakRss, runPeak);
      firstMs.push(wall);

      const multiget = times.methods.get('multiget') ?? { calls: 0, ms: 0 };
      const multigetRoundTrip = sumMs(requests, 'multiget');
      let vcardParseMs: number | undefined;
      if (times.vcards) {
        const t0 = performance.now();
        for (const text of times.vcards) readWebCard(text);
        vcardParseMs = performance.now() - t0;
      }
      const clientMs = [...times.methods.values()].reduce((s, m) => s + m.ms, 0);
      const listingRoundTrips = sumMs(requests, 'discover') + sumMs(requests, 'sync-collection');
      const listingMs = (times.methods.get('discover')?.ms ?? 0) + (times.methods.get('syncCollection')?.ms ?? 0);
      firstRuns.push({
        ms: round(wall),
        fetched: result.fetched,
        added: result.added,
        skipped: result.skipped.length,
        multigetBatches: requests.filter((r) => r.kind === 'multiget').length,
        requests: requests.length,
        // These add up to `ms`.
        'breakdown (ms)': {
          'discover + sync-collection round trips (Radicale + transfer)': round(listingRoundTrips),
          'discover + sync-collection XML parse (client)': round(listingMs - listingRoundTrips),
          'multiget round trips (Radicale + transfer)': round(multigetRoundTrip),
          'multiget XML parse (client)': round(multiget.ms - multigetRoundTrip),
          'store transactions (normalise, fold, SQLite, fsync)': round(tx.ms()),
          'rest (vCard mapping, listing diff, event loop)': round(wall - clientMs - tx.ms()),
        },
        ...(vcardParseMs === undefined ? {} : { 'vCard mapping alone (readWebCard on the same cards, ms)': round(vcardParseMs) }),
        'CPU (ms)': {
          'this process (user + system)': round((cpu.user + cpu.system) / 1000),
          radicale: radicaleBefore === null || radicaleAfter === null ? 'not observable' : radicaleAfter - radicaleBefore,
        },
        'RSS before → peak (MiB)': `${mib(rssBefore)} → ${mib(runPeak)}`,
        'JS heap used before → peak (MiB)': `${mib(before.heapUsed)} → ${mib(heapPeak)}`,
      });
      if (run === FIRST_SYNC_RUNS - 1) {
        kept = { service, requests };
      } else {
        cache.cleanup();
        caches.pop();
      }
    }
    if (!kept) throw new Error('no first sync ran');
    const { service, requests } = kept;
    const firstMedian = median(firstMs);

    // (b) Incremental sync: one card edited on the server (a different card and name each
    //     time), then nothing changed.
    const currentName = new Map<number, string>();
    const oneChange: number[] = [];
    const oneChangeServer: number[] = [];
    const oneChangeByKind = new Map<string, number[]>();
    const fetchedCounts: number[] = [];
    let updatesOk = 0;
    for (let edit = 0; edit < INCREMENTAL_RUNS; edit++) {
      const i = (edit * 7919 + 13) % n;
      const name = `佐藤 改名${edit}x${i}`;
      await lab.putCard(USER.user, uidOf(i), makeCard(i, { name }).vcard);
      currentName.set(i, name);
      requests.length = 0;
      const started = performance.now();
      const result = await service.sync(config);
      oneChange.push(performance.now() - started);
      oneChangeServer.push(requests.reduce((s, r) => s + r.tookMs, 0));
      addByKind(oneChangeByKind, requests);
      fetchedCounts.push(result.fetched);
      if (result.updated === 1 && service.lookup(landline(i))?.name === name) updatesOk++;
    }
    const noChange: number[] = [];
    let noChangeFetched = 0;
    const noChangeByKind = new Map<string, number[]>();
    for (let k = 0; k < INCREMENTAL_RUNS; k++) {
      requests.length = 0;
      const started = performance.now();
      const result = await service.sync(config);
      noChange.push(performance.now() - started);
      addByKind(noChangeByKind, requests);
      noChangeFetched += result.fetched;
    }
    const oneChangeSummary = summary(oneChange);

    // (c) Live lookup on the server (addressbook-query), numbers in the spellings a call brings.
    const nameOf = (i: number) => currentName.get(i) ?? expectedName(i);
    const e164 = (national: string) => `+81${national.slice(1)}`;
    const hyphenated = (national: string) => `${national.slice(0, 2)}-${national.slice(2, 6)}-${national.slice(6)}`;
    const liveCases = Array.from({ length: LIVE_LOOKUPS }, (_, k) => {
      if (k % 5 === 4) return { remote: `sip:0369${String(k).padStart(6, '0')}@pbx.example.jp`, expected: null };
      const i = (k * 4801 + 7) % n;
      const national = k % 10 === 3 && i % 3 === 0 ? mobile(i) : landline(i);
      const remote = [hyphenated(national), e164(national), national, `sip:${e164(national)}@pbx.example.jp;user=phone`][k % 4]!;
      return { remote, expected: nameOf(i) };
    });
    const liveHit: number[] = [];
    const liveMiss: number[] = [];
    const liveServer: number[] = [];
    let liveCorrect = 0;
    let liveTimeouts = 0;
    let liveMade = 0;
    const liveStarted = performance.now();
    for (const { remote, expected } of liveCases) {
      if (liveMade >= LIVE_MIN_LOOKUPS && performance.now() - liveStarted > LIVE_BUDGET_MS) break;
      liveMade++;
      requests.length = 0;
      const started = performance.now();
      const found = await service.liveLookup(config, remote, LIVE_TIMEOUT_MS);
      const took = performance.now() - started;
      (expected === null ? liveMiss : liveHit).push(took);
      liveServer.push(sumMs(requests, 'query'));
      if ((found?.name ?? null) === expected) liveCorrect++;
      if (took >= LIVE_TIMEOUT_MS) liveTimeouts++;
    }
    const liveAll = [...liveHit, ...liveMiss];

    // (d) The cache lookup (what an incoming call does first), for comparison.
    const cacheCases = Array.from({ length: CACHE_LOOKUPS }, (_, k) => {
      const i = (k * 7919) % n;
      const national = k % 5 === 4 ? `0369${String(k).padStart(6, '0')}` : landline(i);
      return [hyphenated(national), e164(national), national, `sip:${e164(national)}@pbx.example.jp;user=phone`][k % 4]!;
    });
    for (const remote of cacheCases.slice(0, 200)) service.lookup(remote);
    let cacheHits = 0;
    const cacheSamples = cacheCases.map((remote) => {
      const started = performance.now();
      const found = service.lookup(remote);
      const took = performance.now() - started;
      if (found) cacheHits++;
      return took;
    });

    return {
      environment: {
        server: 'Radicale 3 (tests/lab/radicale.ts), loopback, storage on tmpfs',
        cache: 'openDatabase() on a file in the OS temp dir (WAL, synchronous = FULL)',
        cards: n,
        'upload of the address book, one PUT (not timed as sync), s': round(uploadMs / 1000, 1),
      },
      [`first sync of ${n} cards (ms)`]: {
        target: '< 15000 ms',
        met: firstMedian < 15_000,
        basis: `median of ${firstMs.length} syncs, each into a fresh cache`,
        median: round(firstMedian),
        runs: firstRuns,
      },
      'incremental sync, one card changed (ms)': {
        target: '< 300 ms',
        met: oneChangeSummary.p95 < 300,
        basis: 'p95',
        ...oneChangeSummary,
        'server round trips (ms)': summary(oneChangeServer),
        'round trips by request, p50 (ms)': p50ByKind(oneChangeByKind),
        'fetched == 1 every time': fetchedCounts.every((f) => f === 1),
        fetched: [...new Set(fetchedCounts)],
        'edit visible in the cache': `${updatesOk}/${INCREMENTAL_RUNS}`,
      },
      'incremental sync, nothing changed (ms)': { ...summary(noChange), 'round trips by request, p50 (ms)': p50ByKind(noChangeByKind), 'fetched (total)': noChangeFetched },
      'live lookup on the server, loopback (ms)': {
        target: 'report p95',
        ...summary(liveAll),
        hits: summary(liveHit),
        misses: summary(liveMiss),
        'server round trips (ms)': summary(liveServer),
        'right answer': `${liveCorrect}/${liveMade}`,
        ...(liveMade < liveCases.length ? { 'stopped early': `${liveMade} of ${liveCases.length} lookups made in the ${LIVE_BUDGET_MS / 1000} s budget` } : {}),
        timeouts: liveTimeouts,
        'timeout used (ms)': LIVE_TIMEOUT_MS,
      },
      'cache lookup (ms)': { ...summary(cacheSamples, 4), hits: cacheHits },
      'peak RSS during first sync (MiB)': mib(peakRss),
    };
  } finally {
    for (const cache of caches) cache.cleanup();
    await lab.dispose();
  }
}
