// The web phonebook when things go wrong, against a real Radicale behind a fault proxy: 401,
// 500, an answer slower than the timeout, XML cut in half, a connection cut mid-body, an
// answer over the size cap, a failure between two multiget batches, a card over 1 MB, a sync
// token the server forgot, a server without sync-collection, hostile cards, and the live
// lookup's timeout. Each failure gives its classified error and leaves the cache as it was
// (or, mid-sync, with whole cards only and the old token).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardDavError } from '../../../src-main/webphonebook/carddav-client';
import { createWebPhonebookService, telSearchTexts, type WebPhonebookConfig } from '../../../src-main/webphonebook/web-phonebook-service';
import { startRadicale, type RadicaleLab } from '../../lab/radicale';
import { PHOTO_PNG_BASE64, expectedName, landline, makeCard, makeCards, uidOf } from './cards';
import { startFaultProxy, type Fault, type FaultProxy, type ProxiedRequest } from './fault-proxy';
import { openCacheDb, percentile, quietLog, snapshot } from './helpers';

const COUNT = 40;
const BATCH = 10;
const TIMEOUT_MS = 1500;

let lab: RadicaleLab;
let proxy: FaultProxy;
let cache: ReturnType<typeof openCacheDb>;
let service: ReturnType<typeof createWebPhonebookService>;
const extraCaches: ReturnType<typeof openCacheDb>[] = [];

const config = (): WebPhonebookConfig => ({ server: proxy.host, ssl: false, user: 'bob', password: 'bobpass' });
const newService = (db = cache.db, maxResponseBytes?: number) =>
  createWebPhonebookService({
    db,
    clock: { now: () => Date.now() },
    log: quietLog,
    multigetBatch: BATCH,
    clientOptions: { timeoutMs: TIMEOUT_MS, ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }) },
  });
const bob = (i: number) => uidOf(i, 'bob');
const hrefOf = (uid: string) => `/bob/contacts/${uid}.vcf`;
/** Fault only the n-th request of a kind (1-based), pass the rest. */
function onNth(kind: string, n: number, fault: Fault): (r: ProxiedRequest) => Fault | null {
  let seen = 0;
  return (r) => (r.kind === kind && ++seen === n ? fault : null);
}

async function syncError(s = service): Promise<CardDavError> {
  try {
    await s.sync(config());
  } catch (err) {
    if (err instanceof CardDavError) return err;
    throw err;
  }
  throw new Error('sync unexpectedly succeeded');
}

const namesByHref = () =>
  new Map((cache.db.prepare('SELECT href, name, etag FROM web_cards').all() as { href: string; name: string; etag: string }[]).map((r) => [r.href, r]));

beforeAll(async () => {
  lab = await startRadicale({ users: [{ user: 'bob', password: 'bobpass' }] });
  proxy = await startFaultProxy(lab.port);
  await lab.putMany('bob', makeCards(COUNT, 'bob'));
  cache = openCacheDb();
  service = newService();
  expect(await service.sync(config())).toMatchObject({ added: COUNT, fetched: COUNT });
}, 60_000);

afterAll(async () => {
  for (const extra of extraCaches) extra.cleanup();
  cache?.cleanup();
  await proxy?.close();
  await lab?.dispose();
});

describe('a failed sync leaves the cache as it was', () => {
  let baseline: unknown;

  beforeAll(async () => {
    // Pending on the server: 12 edits, 3 new cards, 2 deletions (15 cards to fetch: 2 batches).
    for (let i = 0; i < 12; i++) await lab.putCard('bob', bob(i), makeCard(i, { prefix: 'bob', name: `改名 後${i}` }).vcard);
    for (let i = COUNT; i < COUNT + 3; i++) await lab.putCard('bob', bob(i), makeCard(i, { prefix: 'bob' }).vcard);
    await lab.deleteCard('bob', bob(38));
    await lab.deleteCard('bob', bob(39));
    baseline = snapshot(cache.db);
  }, 30_000);

  it.each<[string, (r: ProxiedRequest) => Fault | null, Partial<CardDavError>]>([
    ['401 on everything', () => ({ status: 401 }), { code: 'auth', status: 401 }],
    ['500 on the sync REPORT', (r) => (r.kind === 'sync-collection' ? { status: 500 } : null), { code: 'server-error', status: 500 }],
    ['503 on the first multiget', onNth('multiget', 1, { status: 503 }), { code: 'server-error', status: 503 }],
    ['an HTML error page instead of a multistatus', onNth('multiget', 1, { status: 200, body: '<html><body>Proxy error</body></html>', contentType: 'text/html' }), { code: 'not-carddav', reason: 'not-dav' }],
    ['the sync listing cut in half (well-framed, malformed XML)', (r) => (r.kind === 'sync-collection' ? { truncateXml: 0.5 } : null), { code: 'bad-response', reason: 'malformed-xml' }],
    ['a multiget cut in half (well-framed, malformed XML)', onNth('multiget', 1, { truncateXml: 0.6 }), { code: 'bad-response', reason: 'malformed-xml' }],
    ['the connection cut in the middle of a multiget body', onNth('multiget', 1, { cutConnection: true }), { code: 'bad-response', reason: 'truncated' }],
  ])('%s', async (_name, fault, expected) => {
    proxy.reset();
    proxy.fault = fault;
    expect(await syncError()).toMatchObject(expected);
    expect(snapshot(cache.db)).toEqual(baseline);
  });

  it('an answer slower than the timeout → timeout, within the deadline', async () => {
    proxy.reset();
    proxy.fault = (r) => (r.kind === 'sync-collection' ? { delayMs: TIMEOUT_MS * 3 } : null);
    const started = performance.now();
    expect(await syncError()).toMatchObject({ code: 'timeout' });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 2);
    expect(snapshot(cache.db)).toEqual(baseline);
  });

  it('a multiget answer over the size cap is asked again in halves; a card still too large alone is skipped, not the book', async () => {
    const pad = (a: { body: Buffer }) => ({ ...a, body: Buffer.from(a.body.toString('utf8').replace('<response>', `<!--${'x'.repeat(200_000)}--><response>`)) });
    // Oversized only when it carries several cards: halving reaches answers that fit.
    proxy.reset();
    proxy.fault = (r) => (r.kind === 'multiget' && r.hrefs > 1 ? { rewrite: (a) => ({ ...a, ...pad(a) }) } : null);
    const fresh = openCacheDb();
    extraCaches.push(fresh);
    const split = await newService(fresh.db, 64 * 1024).sync(config());
    expect(split).toMatchObject({ added: COUNT + 1, skipped: [] });
    expect(proxy.requests.filter((r) => r.kind === 'multiget' && r.hrefs === 1).length).toBe(COUNT + 1);
    // Oversized whatever is asked: every card is skipped and reported, the sync itself completes.
    proxy.reset();
    proxy.fault = (r) => (r.kind === 'multiget' ? { rewrite: (a) => ({ ...a, ...pad(a) }) } : null);
    const none = openCacheDb();
    extraCaches.push(none);
    const skipped = await newService(none.db, 64 * 1024).sync(config());
    expect(skipped.added).toBe(0);
    expect(skipped.skipped).toHaveLength(COUNT + 1);
    expect(new Set(skipped.skipped.map((c) => c.reason))).toEqual(new Set(['too-large']));
    expect(snapshot(cache.db)).toEqual(baseline);
  });

  it('a failure between two multiget batches keeps whole cards and the old token; the next sync fetches only the rest', async () => {
    const before = namesByHref();
    const token = cache.db.prepare('SELECT sync_token FROM web_address_books').pluck().get();
    proxy.reset();
    proxy.fault = onNth('multiget', 2, { status: 500 });
    expect(await syncError()).toMatchObject({ code: 'server-error' });
    // The first batch (10 cards) is in, each card whole; nothing else changed.
    const after = namesByHref();
    const changed = [...after.values()].filter((row) => before.get(row.href)?.etag !== row.etag);
    expect(changed).toHaveLength(BATCH);
    for (const row of changed) {
      const i = Number(/bob-(\d+)/.exec(row.href)?.[1]);
      expect(row.name).toBe(i < 12 ? `改名 後${i}` : expectedName(i));
      const numbers = cache.db.prepare('SELECT n.normalized FROM web_card_numbers n JOIN web_cards c ON c.id = n.card_id WHERE c.href = ? ORDER BY position').pluck().all(row.href);
      expect(numbers[0]).toBe(`+81${landline(i).slice(1)}`);
    }
    expect(after.has(hrefOf(bob(38)))).toBe(true); // deletions come with the token, at the end
    expect(cache.db.prepare('SELECT sync_token FROM web_address_books').pluck().get()).toBe(token);

    proxy.reset();
    const result = await service.sync(config());
    expect(result).toMatchObject({ fetched: 15 - BATCH, deleted: 2, skipped: [] });
    expect(result.added + result.updated).toBe(15 - BATCH);
    expect(proxy.multigetHrefs()).toBe(15 - BATCH);
    expect(cache.db.prepare('SELECT sync_token FROM web_address_books').pluck().get()).not.toBe(token);

    // The cache is now what a fresh full sync of the server gives.
    const fresh = openCacheDb();
    extraCaches.push(fresh);
    await newService(fresh.db).sync(config());
    const cards = (db: typeof cache.db) => db.prepare('SELECT href, etag, name, kana, company, photo FROM web_cards ORDER BY href').all();
    expect(cards(cache.db)).toEqual(cards(fresh.db));
    expect(service.lookup(landline(5))?.name).toBe('改名 後5');
    expect(service.lookup(landline(38))).toBeNull();
  }, 30_000);
});

describe('cards that cannot be used', () => {
  it('a card over 1 MB is skipped and reported; the cached version stays, the other changes apply', async () => {
    await lab.putCard('bob', bob(5), makeCard(5, { prefix: 'bob', name: '三度目 の名前' }).vcard);
    await lab.putCard('bob', bob(6), makeCard(6, { prefix: 'bob', name: '六番 更新' }).vcard);
    const huge = `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${bob(5)}\r\nFN:巨大\r\nNOTE:${'x'.repeat(1_500_000)}\r\nEND:VCARD\r\n`;
    proxy.reset();
    proxy.fault = (r) =>
      r.kind === 'multiget'
        ? {
            rewrite: (a) => {
              const text = a.body.toString('utf8');
              const replaced = text.replace(new RegExp(`(<href>${hrefOf(bob(5))}</href>.*?<CR:address-data>).*?(</CR:address-data>)`, 's'), (_m, open: string, close: string) => open + huge + close);
              expect(replaced).not.toBe(text);
              return { ...a, body: Buffer.from(replaced) };
            },
          }
        : null;
    const result = await service.sync(config());
    expect(result).toMatchObject({ fetched: 2, updated: 1, skipped: [{ addressBook: 'bob contacts', href: hrefOf(bob(5)), reason: 'too-large' }] });
    expect(service.lookup(landline(5))?.name).toBe('改名 後5');
    expect(service.lookup(landline(6))?.name).toBe('六番 更新');
  }, 30_000);

  it('a sync token the server forgot → a full listing; only cards whose ETag differs are fetched', async () => {
    // putMany uploads the whole book again: Radicale starts a new sync history (403 valid-sync-token).
    await lab.putMany('bob', [makeCard(50, { prefix: 'bob' })]);
    proxy.reset();
    const result = await service.sync(config());
    expect(result).toMatchObject({ fullListings: 1, added: 1, deleted: 0, skipped: [] });
    expect(proxy.requests.filter((r) => r.kind === 'sync-collection')).toHaveLength(2); // refused, then from scratch
    // The new card, and card 5 whose newer version was skipped above: nothing else.
    expect(proxy.multigetHrefs()).toBe(2);
    expect(service.lookup(landline(5))?.name).toBe('三度目 の名前');
    expect(service.lookup(landline(50))?.name).toBe(expectedName(50));
  }, 30_000);

  it('hostile cards from the server stay inert text, truncated', async () => {
    const put = (uid: string, ...lines: string[]) => lab.putCard('bob', uid, `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\n${lines.join('\r\n')}\r\nEND:VCARD\r\n`);
    await put('hostile-html', 'FN:<img src=x onerror=alert(1)><b>悪意</b>', 'ORG:<script>alert(1)</script>', 'TEL:03-9999-0001');
    await put('hostile-ctrl', 'FN:Bell\x07 Esc\x1b[31m red', 'TEL:03-9999-0002');
    await put('hostile-big', `FN:${'長'.repeat(100_000)}`, `NOTE:${'x'.repeat(100_000)}`, `ORG:${'会'.repeat(100_000)}`, 'TEL:03-9999-0003');
    await put('hostile-bidi', 'FN:\u202eevil\u202c name', 'TEL:03-9999-0004');
    await put('hostile-tel', 'FN:内線つき', 'TEL:03-9999-0005 内線 12', 'TEL:03-9999-0006');
    // Radicale 3.1.8 cuts a vCard 4.0 data: URI PHOTO at its comma: the image must simply be absent.
    await lab.putCard('bob', 'photo-v4', `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:photo-v4\r\nFN:写真\r\nTEL:03-9999-0007\r\nPHOTO:data:image/png;base64,${PHOTO_PNG_BASE64}\r\nEND:VCARD\r\n`);
    const result = await service.sync(config());
    expect(result).toMatchObject({ added: 6, skipped: [] });
    expect(service.lookup('0399990001')).toEqual({ name: '<img src=x onerror=alert(1)><b>悪意</b>', kana: '', company: '<script>alert(1)</script>', photo: null });
    expect(service.lookup('0399990002')?.name).toBe('Bell Esc [31m red');
    const big = service.lookup('0399990003')!;
    expect([...big.name]).toHaveLength(128);
    expect(big.name.endsWith('…')).toBe(true);
    expect([...big.company]).toHaveLength(128);
    expect((cache.db.prepare("SELECT length(notes) FROM web_cards WHERE uid = 'hostile-big'").pluck().get() as number)).toBe(2000);
    expect(service.lookup('0399990004')?.name).toBe('evil name');
    expect(service.lookup('0399990005')).toBeNull(); // that TEL was dropped…
    expect(service.lookup('0399990006')?.name).toBe('内線つき'); // …the card kept
    expect(service.lookup('0399990007')).toEqual({ name: '写真', kana: '', company: '', photo: null });
    expect(service.search('<img', 5).map((c) => c.name)).toEqual(['<img src=x onerror=alert(1)><b>悪意</b>']);
    // Radicale parses every card for each addressbook-query: a 700 kB card would dominate the
    // live lookup timings below.
    await lab.deleteCard('bob', 'hostile-big');
  }, 30_000);
});

describe('a server without sync-collection', () => {
  it('is listed with PROPFIND ETags, fetches only changed cards, and skips the listing while the ctag is unchanged', async () => {
    const fresh = openCacheDb();
    extraCaches.push(fresh);
    const s = newService(fresh.db);
    const bookPath = lab.addressBookPath('bob');
    const listings = () => proxy.requests.filter((r) => r.kind === 'propfind-1' && r.path === bookPath).length;
    proxy.reset();
    proxy.fault = (r) => (r.kind === 'sync-collection' ? { status: 501 } : null);
    const first = await s.sync(config());
    const total = s.status().cards;
    expect(first).toMatchObject({ fullListings: 1, added: total, fetched: total });
    expect(total).toBeGreaterThan(COUNT);
    expect(listings()).toBe(1);
    expect(fresh.db.prepare('SELECT sync_token IS NULL AND ctag IS NOT NULL FROM web_address_books').pluck().get()).toBe(1);

    await lab.putCard('bob', bob(7), makeCard(7, { prefix: 'bob', name: '七番 ETag' }).vcard);
    const fault = proxy.fault;
    proxy.reset();
    proxy.fault = fault;
    expect(await s.sync(config())).toMatchObject({ fetched: 1, updated: 1, added: 0, deleted: 0 });
    expect(s.lookup(landline(7))?.name).toBe('七番 ETag');

    proxy.reset();
    proxy.fault = fault;
    expect(await s.sync(config())).toMatchObject({ fetched: 0, added: 0, updated: 0, deleted: 0 });
    expect(listings()).toBe(0);
  }, 30_000);
});

describe('live lookup', () => {
  it('asks for the usual spellings of the number (text-match is literal)', () => {
    expect(telSearchTexts('+81355550002')).toEqual(['0355550002', '03-5555-0002', '+81355550002', '+81 3 5555 0002', '+81-3-5555-0002']);
    expect(telSearchTexts('+819012345678')).toEqual(['09012345678', '090-1234-5678', '+819012345678', '+81 90 1234 5678', '+81-90-1234-5678']);
    expect(telSearchTexts('+12125550100')).toEqual(['+12125550100', '12125550100']);
    expect(telSearchTexts('1001')).toEqual(['1001']);
  });

  it('checks the number of what the server matched, and answers quickly on a small book', async () => {
    // Text-match is a substring match: 0355550001 is inside 03555500019, which is not the number.
    await lab.putCard('bob', 'live-sub', 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:live-sub\r\nFN:違う番号\r\nTEL:03555500019\r\nEND:VCARD\r\n');
    await lab.putCard('bob', 'live-hit', 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:live-hit\r\nFN:ライブ 発見\r\nTEL:+81 3 5555 0002\r\nEND:VCARD\r\n');
    proxy.reset();
    expect(await service.liveLookup(config(), '0355550001', 5000)).toBeNull();
    const samples: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      const found = await service.liveLookup(config(), k % 2 === 0 ? '03-5555-0002' : 'sip:+81355550002@pbx', 5000);
      samples.push(performance.now() - t);
      expect(found?.name).toBe('ライブ 発見');
    }
    // A figure for the note, not a timed assertion: speed is the bench's to check.
    console.info(`live lookup on ${service.status().cards} cards: p50 ${Math.round(percentile(samples, 50))} ms, p95 ${Math.round(percentile(samples, 95))} ms`);
  }, 60_000);

  it('gives up at its timeout and resolves null (a ringing call is never held up)', async () => {
    proxy.reset();
    proxy.fault = (r) => (r.kind === 'query' ? { delayMs: 3000 } : null);
    const t = performance.now();
    expect(await service.liveLookup(config(), '03-5555-0002', 400)).toBeNull();
    // Gave up on its own, well before the 3 s answer (room for a loaded machine).
    expect(performance.now() - t).toBeLessThan(2500);
    expect(quietLog.lines.at(-1)).toMatch(/live lookup failed: timeout/);
  });
});
