// The web phonebook (Web電話帳): the company's CardDAV address books, synced into a local cache
// (migration 005) so that incoming calls are matched by one index probe on the normalised number
// and search-as-you-type folds kana like the personal phonebook; plus a live lookup straight
// on the server for a number the cache does not know yet.
//
// Sync (per address book):
//   1. sync-collection (RFC 6578) from the stored token; no token, or one the server no longer
//      knows (valid-sync-token), means a full listing. A server without sync-collection is
//      listed with PROPFIND Depth 1 (ETags), skipped entirely while its ctag is unchanged.
//   2. Cards whose listed ETag differs from the cached one are fetched with addressbook-multiget
//      in batches; each batch is applied in ONE transaction (a card's row, its numbers and its
//      search row together: never half a card).
//   3. Deletions and the new token are applied in one last transaction. The token therefore
//      only advances once every change it covers is in the cache: after a failure anywhere,
//      the next sync asks again from the old token, and the batches already applied are not
//      fetched again (their ETags now match).
// A card the server sends that cannot be used (larger than the cap, unreadable) is skipped and
// reported; the version already cached, if any, stays.

import { groupNumbers } from '../support/group-numbers';
import type { Database } from 'better-sqlite3';
import type { ContactInput } from '../../src-preload/contract';
import { foldForSearch } from '../contacts/kana';
import { formatPhoneNumber, normalizePhoneNumber, normalizeRemoteNumber } from '../contacts/phone-number';
import type { Logger } from '../support/log';
import type { Clock } from '../support/service-error';
import {
  CardDavError,
  canonicalPath,
  createCardDavClient,
  type CardDavClient,
  type CardDavClientOptions,
  type CardDavErrorCode,
  type CardDavServerConfig,
  type CertificateInfo,
  type DiscoveredAddressBook,
} from './carddav-client';
import { readWebCard } from './web-card';

export interface WebPhonebookConfig extends CardDavServerConfig {
  /** Address books to use, by URL, path or display name. Absent or empty: all of them. */
  addressBooks?: string[];
}

/** What an incoming call shows. */
export interface WebContactMatch {
  name: string;
  kana: string;
  company: string;
  photo: string | null;
}

export interface WebContactSummary {
  id: number;
  name: string;
  kana: string;
  company: string;
  department: string;
  numbers: { label: string; number: string }[];
  hasPhoto: boolean;
  addressBook: string;
}

export interface WebPhonebookError {
  code: CardDavErrorCode;
  /** English, for logs; the UI translates `code` (and shows `certificate` for 'tls'). */
  message: string;
  reason: string | null;
  status: number | null;
  certificate: CertificateInfo | null;
}

export type ConnectionResult =
  | { ok: true; addressBooks: { url: string; displayName: string; supportsSync: boolean }[] }
  | { ok: false; error: WebPhonebookError };

export interface SyncProgress {
  phase: 'discover' | 'list' | 'fetch' | 'done';
  /** Display name of the book being synced (null while discovering). */
  addressBook: string | null;
  /** Cards fetched so far / to fetch, in this book. */
  done: number;
  total: number;
}

export interface SkippedWebCard {
  addressBook: string;
  href: string;
  /** 'too-large', 'no-data', 'not-answered', or why the vCard was unusable ('malformed-card', …). */
  reason: string;
}

export interface SyncResult {
  added: number;
  updated: number;
  deleted: number;
  /** Cards asked for with addressbook-multiget. */
  fetched: number;
  skipped: SkippedWebCard[];
  /** Books synced, and how many of them needed a full listing (no or invalid token, no sync-collection). */
  addressBooks: number;
  fullListings: number;
  tookMs: number;
}

export interface WebPhonebookStatus {
  addressBooks: { url: string; displayName: string; cards: number; syncedAt: number | null }[];
  cards: number;
}

export interface WebPhonebookDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  /** How a client is made (tests wrap or replace it). Default: createCardDavClient. */
  createClient?: (config: CardDavServerConfig, options: CardDavClientOptions) => CardDavClient;
  /** Passed to every client (timeouts, caps, an observer). */
  clientOptions?: CardDavClientOptions;
  /** Cards per addressbook-multiget (and per transaction). Default 200. */
  multigetBatch?: number;
}

export type WebPhonebookService = ReturnType<typeof createWebPhonebookService>;

/** Pages of a truncated (507) sync-collection answer followed before giving up. */
const MAX_SYNC_PAGES = 100;
/** More cards than this in one book is not a phonebook (or a server gone wrong): refused. */
const MAX_CARDS_PER_BOOK = 200_000;
const LIVE_LOOKUP_RESULTS = 10;

interface BookRow {
  id: number;
  url: string;
  display_name: string;
  sync_token: string | null;
  ctag: string | null;
}

interface CardSummaryRow {
  id: number;
  name: string;
  kana: string;
  company: string;
  department: string;
  has_photo: 0 | 1;
  book: string;
}

/** The serialisable form of a sync/lookup failure, for the bridge (sync() rejects with a
 *  CardDavError; an IPC handler returns this instead). */
export function webPhonebookErrorOf(err: unknown): WebPhonebookError {
  if (err instanceof CardDavError) return { code: err.code, message: err.message, reason: err.reason, status: err.status, certificate: err.certificate };
  return { code: 'bad-response', message: err instanceof Error ? err.message : String(err), reason: 'internal', status: null, certificate: null };
}

/** Digits of a normalised number in the forms people type: E.164 without '+', and national. */
function searchableDigits(normalized: string): string {
  const digits = normalized.replace(/^\+/, '');
  return normalized.startsWith('+81') ? `${digits} 0${digits.slice(2)}` : digits;
}

/** What the server may have stored for a number. CardDAV text-match is a literal substring
 *  match (Radicale, and most servers), so the spellings people and programs write: national
 *  digits (0355550002), the national form (03-5555-0002), E.164 (+81355550002), E.164 grouped
 *  with spaces (+81 3 5555 0002, Google/Android) or hyphens (+81-3-5555-0002, tel: URIs). A
 *  number written any other way ((03) 5555-0002, +81 3-5555-0002) is only found by the synced
 *  cache. */
export function telSearchTexts(key: string): string[] {
  if (key.startsWith('+81')) {
    const national = `0${key.slice(3)}`;
    const formatted = formatPhoneNumber(national);
    const grouped = /^0\d+(?:-\d+)+$/.test(formatted) ? formatted.slice(1).split('-') : null;
    return [...new Set([national, formatted, key, ...(grouped ? [`+81 ${grouped.join(' ')}`, `+81-${grouped.join('-')}`] : [])])];
  }
  if (key.startsWith('+')) return [key, key.slice(1)];
  return [key];
}

function selectBooks(books: DiscoveredAddressBook[], wanted: readonly string[] | undefined): DiscoveredAddressBook[] {
  if (!wanted || wanted.length === 0) return books;
  const keys = new Set(wanted.map((w) => w.trim()).filter(Boolean));
  const chosen = books.filter((book) => keys.has(book.url) || keys.has(book.displayName) || [...keys].some((k) => canonicalPath(k) === canonicalPath(book.href)));
  if (chosen.length === 0) throw new CardDavError('not-carddav', 'none of the chosen address books exists on the server', { reason: 'no-addressbook' });
  return chosen;
}

export function createWebPhonebookService(deps: WebPhonebookDeps) {
  const { db, clock, log } = deps;
  const makeClient = deps.createClient ?? createCardDavClient;
  const batchSize = Math.max(1, deps.multigetBatch ?? 200);
  // Warm libphonenumber (as the contacts service does): the first lookup must not pay for it.
  normalizeRemoteNumber('sip:+12125550100@warm.invalid');

  const bookByUrl = db.prepare('SELECT id, url, display_name, sync_token, ctag FROM web_address_books WHERE account = ? AND url = ?');
  const booksOfAccount = db.prepare('SELECT id, url, display_name, sync_token, ctag FROM web_address_books WHERE account = ? ORDER BY id');
  const insertBook = db.prepare('INSERT INTO web_address_books (account, url, display_name) VALUES (?, ?, ?)');
  const renameBook = db.prepare('UPDATE web_address_books SET display_name = ? WHERE id = ?');
  const finishBook = db.prepare('UPDATE web_address_books SET sync_token = ?, ctag = ?, synced_at = ? WHERE id = ?');
  const allBooks = db.prepare('SELECT id, account, url FROM web_address_books');
  const deleteBookSearch = db.prepare('DELETE FROM web_card_search WHERE rowid IN (SELECT id FROM web_cards WHERE book_id = ?)');
  const deleteBookNumbers = db.prepare('DELETE FROM web_card_numbers WHERE card_id IN (SELECT id FROM web_cards WHERE book_id = ?)');
  const deleteBookCards = db.prepare('DELETE FROM web_cards WHERE book_id = ?');
  const deleteBook = db.prepare('DELETE FROM web_address_books WHERE id = ?');

  const cachedEtags = db.prepare('SELECT href, etag FROM web_cards WHERE book_id = ?');
  const cardByHref = db.prepare('SELECT id FROM web_cards WHERE book_id = ? AND href = ?').pluck();
  const insertCard = db.prepare(`
    INSERT INTO web_cards (book_id, href, etag, uid, name, kana, company, department, email, notes, photo, sort_key, name_key, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const updateCard = db.prepare(`
    UPDATE web_cards SET etag = ?, uid = ?, name = ?, kana = ?, company = ?, department = ?, email = ?, notes = ?, photo = ?,
      sort_key = ?, name_key = ?, updated_at = ?
    WHERE id = ?`);
  const deleteCard = db.prepare('DELETE FROM web_cards WHERE id = ?');
  const insertNumber = db.prepare('INSERT INTO web_card_numbers (card_id, position, label, number, normalized) VALUES (?, ?, ?, ?, ?)');
  const deleteNumbers = db.prepare('DELETE FROM web_card_numbers WHERE card_id = ?');
  const insertSearch = db.prepare('INSERT INTO web_card_search (rowid, text) VALUES (?, ?)');
  const deleteSearch = db.prepare('DELETE FROM web_card_search WHERE rowid = ?');

  const lookupByNumber = db.prepare(`
    SELECT c.name, c.kana, c.company, c.photo FROM web_card_numbers n JOIN web_cards c ON c.id = n.card_id
    WHERE n.normalized = ? ORDER BY c.id LIMIT 1`);
  const SUMMARY = 'c.id, c.name, c.kana, c.company, c.department, c.photo IS NOT NULL AS has_photo, b.display_name AS book';
  const listFirst = db.prepare(`SELECT ${SUMMARY} FROM web_cards c JOIN web_address_books b ON b.id = c.book_id ORDER BY c.sort_key, c.id LIMIT ?`);
  const trigramSearch = db.prepare(`
    SELECT ${SUMMARY} FROM web_cards c JOIN web_address_books b ON b.id = c.book_id
    WHERE c.id IN (SELECT rowid FROM web_card_search WHERE web_card_search MATCH ?)
    ORDER BY c.sort_key, c.id LIMIT ?`);
  const prefixSearch = db.prepare(`
    SELECT ${SUMMARY} FROM web_cards c JOIN web_address_books b ON b.id = c.book_id
    WHERE (c.sort_key >= @from AND c.sort_key < @to) OR (c.name_key >= @from AND c.name_key < @to)
    ORDER BY c.sort_key, c.id LIMIT @limit`);
  const numbersOfMany = db.prepare(
    'SELECT card_id, label, number FROM web_card_numbers WHERE card_id IN (SELECT value FROM json_each(?)) ORDER BY card_id, position',
  );

  /** Removes one cached card with its numbers and search row; false if it was not there. */
  function removeCard(bookId: number, href: string): boolean {
    const id = cardByHref.get(bookId, href) as number | undefined;
    if (id === undefined) return false;
    deleteSearch.run(id);
    deleteNumbers.run(id);
    deleteCard.run(id);
    return true;
  }

  function removeBook(bookId: number): void {
    deleteBookSearch.run(bookId);
    deleteBookNumbers.run(bookId);
    deleteBookCards.run(bookId);
    deleteBook.run(bookId);
  }

  /** Writes one card (row, numbers, search row); true when it was new. Call inside a transaction. */
  function storeCard(bookId: number, href: string, etag: string, uid: string, contact: ContactInput): boolean {
    const name = contact.name;
    const nameKey = foldForSearch(name);
    const sortKey = foldForSearch(contact.kana) || nameKey;
    const numbers = contact.numbers.map((n) => ({ label: n.label, number: n.number, normalized: normalizePhoneNumber(n.number) }));
    const columns = [uid, name, contact.kana, contact.company, contact.department, contact.email, contact.notes, contact.photo, sortKey, nameKey, clock.now()] as const;
    const existing = cardByHref.get(bookId, href) as number | undefined;
    let id: number;
    if (existing === undefined) {
      id = Number(insertCard.run(bookId, href, etag, ...columns).lastInsertRowid);
    } else {
      id = existing;
      updateCard.run(etag, ...columns, id);
      deleteNumbers.run(id);
      deleteSearch.run(id);
    }
    numbers.forEach((n, position) => insertNumber.run(id, position, n.label, n.number, n.normalized));
    const digits = numbers.filter((n) => n.normalized !== '').map((n) => searchableDigits(n.normalized));
    insertSearch.run(id, [nameKey, sortKey, foldForSearch(contact.company), foldForSearch(contact.department), ...digits].join(' '));
    return existing === undefined;
  }

  function accountOf(client: CardDavClient, config: CardDavServerConfig): string {
    return `${client.baseUrl} ${config.user}`;
  }

  /** The cached row for a book, created (or renamed) as discovered. */
  function bookRow(account: string, book: DiscoveredAddressBook): BookRow {
    return db.transaction(() => {
      const found = bookByUrl.get(account, book.url) as BookRow | undefined;
      if (found) {
        if (found.display_name !== book.displayName) renameBook.run(book.displayName, found.id);
        return { ...found, display_name: book.displayName };
      }
      insertBook.run(account, book.url, book.displayName);
      return bookByUrl.get(account, book.url) as BookRow;
    })();
  }

  /**
   * addressbook-multiget of a batch; an answer over the size cap is asked again in halves, down
   * to single cards, so that one oversized card (a 50 MB photo) is skipped as 'too-large' instead
   * of failing every sync of the whole book forever.
   */
  async function multigetSplitting(client: CardDavClient, url: string, hrefs: string[]): Promise<Awaited<ReturnType<CardDavClient['multiget']>>> {
    try {
      return await client.multiget(url, hrefs);
    } catch (err) {
      if (!(err instanceof CardDavError) || err.reason !== 'too-large') throw err;
      if (hrefs.length === 1) return { cards: [], missing: [], skipped: [{ href: hrefs[0]!, reason: 'too-large' }] };
      const half = Math.ceil(hrefs.length / 2);
      const [a, b] = [await multigetSplitting(client, url, hrefs.slice(0, half)), await multigetSplitting(client, url, hrefs.slice(half))];
      return { ...a, cards: [...a.cards, ...b.cards], missing: [...a.missing, ...b.missing], skipped: [...a.skipped, ...b.skipped] };
    }
  }

  async function syncBook(client: CardDavClient, account: string, book: DiscoveredAddressBook, totals: SyncResult, onProgress?: (p: SyncProgress) => void): Promise<void> {
    const row = bookRow(account, book);
    const progress = (phase: SyncProgress['phase'], done: number, total: number) => onProgress?.({ phase, addressBook: book.displayName, done, total });
    progress('list', 0, 0);

    let token = row.sync_token;
    let full = token === null;
    let newToken: string | null = null;
    const changed = new Map<string, string>();
    const removed = new Set<string>();
    let useEtags = !book.supportsSync;
    let newCtag: string | null = null;
    let restarted = false;

    if (!useEtags) {
      for (let page = 0; ; page++) {
        if (page >= MAX_SYNC_PAGES) throw new CardDavError('bad-response', `sync-collection still truncated after ${MAX_SYNC_PAGES} pages`, { reason: 'too-many-pages', url: book.url });
        const listing = await client.syncCollection(book.url, token);
        if (listing.kind === 'token-invalid') {
          if (token === null || restarted) throw new CardDavError('bad-response', 'the server refused a sync without a token', { reason: 'token-refused', url: book.url });
          log.info(`web phonebook: sync token no longer valid for a book; listing it afresh`);
          restarted = true;
          token = null;
          full = true;
          changed.clear();
          removed.clear();
          continue;
        }
        if (listing.kind === 'unsupported') {
          useEtags = true;
          break;
        }
        for (const card of listing.changed) {
          changed.set(card.href, card.etag);
          removed.delete(card.href);
        }
        for (const href of listing.removed) {
          removed.add(href);
          changed.delete(href);
        }
        token = newToken = listing.token;
        if (!listing.truncated) break;
      }
    }

    if (useEtags) {
      // Without sync-collection a full listing is the only way to see deletions: skip it while
      // the collection's ctag says nothing changed.
      const ctag = book.ctag ?? (await client.getCtag(book.url));
      if (row.sync_token === null && row.ctag !== null && ctag !== null && row.ctag === ctag) {
        finishBook.run(null, ctag, clock.now(), row.id);
        totals.addressBooks++;
        progress('done', 0, 0);
        return;
      }
      newCtag = ctag;
      full = true;
      newToken = null;
      changed.clear();
      removed.clear();
      for (const card of await client.listEtags(book.url)) changed.set(card.href, card.etag);
    }

    if (changed.size > MAX_CARDS_PER_BOOK) {
      throw new CardDavError('bad-response', `the address book lists more than ${MAX_CARDS_PER_BOOK} cards`, { reason: 'too-many-cards', url: book.url });
    }

    // The cache by canonical path (servers differ in percent-encoding and trailing slashes).
    const cached = new Map<string, string>();
    const cachedHref = new Map<string, string>();
    for (const { href, etag } of cachedEtags.iterate(row.id) as Iterable<{ href: string; etag: string }>) {
      cached.set(canonicalPath(href), etag);
      cachedHref.set(canonicalPath(href), href);
    }
    if (full) {
      const listed = new Set([...changed.keys()].map(canonicalPath));
      for (const [key, href] of cachedHref) if (!listed.has(key)) removed.add(href);
    }
    // Unchanged ETag: already cached (e.g. applied by a sync that failed later on).
    const toFetch = [...changed].filter(([href, etag]) => etag === '' || cached.get(canonicalPath(href)) !== etag).map(([href]) => href);
    if (full) totals.fullListings++;

    progress('fetch', 0, toFetch.length);
    for (let i = 0; i < toFetch.length; i += batchSize) {
      const batch = toFetch.slice(i, i + batchSize);
      const requested = new Map(batch.map((href) => [canonicalPath(href), href]));
      const result = await multigetSplitting(client, book.url, batch);
      totals.fetched += batch.length;
      const parsed = result.cards.flatMap((card) => {
        // Only what was asked for: a server does not get to add cards by answering more.
        const href = requested.get(canonicalPath(card.href));
        if (href === undefined) return [];
        const read = readWebCard(card.vcard);
        if (!read.ok) {
          totals.skipped.push({ addressBook: book.displayName, href, reason: read.reason });
          return [];
        }
        return [{ href, etag: card.etag || (changed.get(href) ?? ''), card: read.card }];
      });
      db.transaction(() => {
        for (const { href, etag, card } of parsed) {
          if (storeCard(row.id, href, etag, card.uid, card.contact)) totals.added++;
          else totals.updated++;
        }
        // 404 in the multiget: deleted since the listing.
        for (const missing of result.missing) {
          const href = requested.get(canonicalPath(missing));
          if (href !== undefined && removeCard(row.id, cachedHref.get(canonicalPath(href)) ?? href)) totals.deleted++;
        }
      })();
      for (const skipped of result.skipped) totals.skipped.push({ addressBook: book.displayName, href: skipped.href, reason: skipped.reason });
      progress('fetch', Math.min(i + batch.length, toFetch.length), toFetch.length);
    }

    db.transaction(() => {
      for (const href of removed) if (removeCard(row.id, cachedHref.get(canonicalPath(href)) ?? href)) totals.deleted++;
      finishBook.run(newToken, newCtag, clock.now(), row.id);
    })();
    totals.addressBooks++;
    progress('done', toFetch.length, toFetch.length);
  }

  async function runSync(config: WebPhonebookConfig, onProgress?: (p: SyncProgress) => void): Promise<SyncResult> {
    const started = performance.now();
    const totals: SyncResult = { added: 0, updated: 0, deleted: 0, fetched: 0, skipped: [], addressBooks: 0, fullListings: 0, tookMs: 0 };
    const client = makeClient(config, deps.clientOptions ?? {});
    try {
      onProgress?.({ phase: 'discover', addressBook: null, done: 0, total: 0 });
      const discovery = await client.discover();
      const books = selectBooks(discovery.addressBooks, config.addressBooks);
      const account = accountOf(client, config);
      // Another account's books, and books gone from the server or no longer chosen.
      const keep = new Set(books.map((b) => b.url));
      db.transaction(() => {
        for (const b of allBooks.all() as { id: number; account: string; url: string }[]) if (b.account !== account || !keep.has(b.url)) removeBook(b.id);
      })();
      for (const book of books) await syncBook(client, account, book, totals, onProgress);
      totals.tookMs = Math.round(performance.now() - started);
      log.info(
        `web phonebook: synced ${totals.addressBooks} address book(s) in ${totals.tookMs} ms: ` +
          `+${totals.added} ~${totals.updated} -${totals.deleted}, fetched ${totals.fetched}, skipped ${totals.skipped.length}`,
      );
      return totals;
    } catch (err) {
      const error = webPhonebookErrorOf(err);
      log.warn(`web phonebook: sync failed: ${error.code}${error.reason ? ` (${error.reason})` : ''}`);
      throw err;
    } finally {
      client.close();
    }
  }

  let running: Promise<SyncResult> | null = null;

  function summaries(rows: CardSummaryRow[]): WebContactSummary[] {
    if (rows.length === 0) return [];
    const numbers = groupNumbers(numbersOfMany.all(JSON.stringify(rows.map((r) => r.id))) as { card_id: number; label: string; number: string }[], (n) => n.card_id);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kana: r.kana,
      company: r.company,
      department: r.department,
      numbers: numbers.get(r.id) ?? [],
      hasPhoto: r.has_photo === 1,
      addressBook: r.book,
    }));
  }

  return {
    /** For the 接続 button: discovery with these settings; ok with the address books found, or why not. */
    async testConnection(config: WebPhonebookConfig): Promise<ConnectionResult> {
      let client: CardDavClient | null = null;
      try {
        client = makeClient(config, deps.clientOptions ?? {});
        const discovery = await client.discover();
        return { ok: true, addressBooks: discovery.addressBooks.map((b) => ({ url: b.url, displayName: b.displayName, supportsSync: b.supportsSync })) };
      } catch (err) {
        return { ok: false, error: webPhonebookErrorOf(err) };
      } finally {
        client?.close();
      }
    },

    /**
     * Brings the cache up to date. Rejects with a CardDavError (code: 'auth', 'timeout',
     * 'bad-response', …) and leaves the cache consistent: whole cards only, the token of a book
     * only stored with all its changes. A call while a sync runs joins that sync.
     */
    sync(config: WebPhonebookConfig, onProgress?: (progress: SyncProgress) => void): Promise<SyncResult> {
      running ??= runSync(config, onProgress).finally(() => {
        running = null;
      });
      return running;
    },

    /** The cached card for an incoming number (SIP user part, tel: URI or digits), or null. */
    lookup(remote: string): WebContactMatch | null {
      const key = normalizeRemoteNumber(remote);
      if (!key) return null;
      return (lookupByNumber.get(key) as WebContactMatch | undefined) ?? null;
    },

    /** Search-as-you-type over the cache: name, reading, company, department, numbers. */
    search(query: string, limit: number): WebContactSummary[] {
      const max = Math.max(1, Math.min(500, Math.floor(limit)));
      const folded = foldForSearch(query);
      if (folded === '') return summaries(listFirst.all(max) as CardSummaryRow[]);
      const digits = /^[+\d\s\-().]+$/.test(folded) ? folded.replace(/\D/g, '') : null;
      const term = digits && digits.length > 0 ? digits : folded;
      if ([...term].length >= 3) {
        // One quoted phrase: user input never becomes FTS5 query syntax.
        return summaries(trigramSearch.all(`"${term.replaceAll('"', '""')}"`, max) as CardSummaryRow[]);
      }
      return summaries(prefixSearch.all({ from: term, to: `${term}\u{10FFFF}`, limit: max }) as CardSummaryRow[]);
    },

    /**
     * Asks the server directly (addressbook-query, TEL text-match on the usual spellings of the
     * number: telSearchTexts), for a number the cache does not have. Checks the normalised
     * number of what comes back (text-match is a substring match). Never rejects: null on no
     * match, on timeout or on any error (logged), so a ringing call is never held up by it.
     */
    async liveLookup(config: WebPhonebookConfig, remote: string, timeoutMs: number): Promise<WebContactMatch | null> {
      const key = normalizeRemoteNumber(remote);
      if (!key) return null;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      let client: CardDavClient | null = null;
      try {
        client = makeClient(config, { ...deps.clientOptions, timeoutMs, signal: controller.signal });
        const account = accountOf(client, config);
        let urls = (booksOfAccount.all(account) as BookRow[]).map((b) => b.url);
        if (urls.length === 0) urls = selectBooks((await client.discover()).addressBooks, config.addressBooks).map((b) => b.url);
        const texts = telSearchTexts(key);
        const c = client;
        const answers = await Promise.allSettled(urls.map((url) => c.queryByTel(url, texts, LIVE_LOOKUP_RESULTS)));
        for (const answer of answers) {
          if (answer.status === 'rejected') {
            log.warn(`web phonebook: live lookup failed: ${webPhonebookErrorOf(answer.reason).code}`);
            continue;
          }
          for (const fetched of answer.value) {
            const read = readWebCard(fetched.vcard);
            if (!read.ok) continue;
            const { contact } = read.card;
            if (contact.numbers.some((n) => normalizePhoneNumber(n.number) === key)) {
              return { name: contact.name, kana: contact.kana, company: contact.company, photo: contact.photo };
            }
          }
        }
        return null;
      } catch (err) {
        log.warn(`web phonebook: live lookup failed: ${webPhonebookErrorOf(err).code}`);
        return null;
      } finally {
        clearTimeout(timer);
        client?.close();
      }
    },

    status(): WebPhonebookStatus {
      const books = db
        .prepare('SELECT b.url, b.display_name, b.synced_at, (SELECT count(*) FROM web_cards c WHERE c.book_id = b.id) AS cards FROM web_address_books b ORDER BY b.id')
        .all() as { url: string; display_name: string; synced_at: number | null; cards: number }[];
      return {
        addressBooks: books.map((b) => ({ url: b.url, displayName: b.display_name, cards: b.cards, syncedAt: b.synced_at })),
        cards: books.reduce((sum, b) => sum + b.cards, 0),
      };
    },

    /** Forgets the whole cache (the account was removed or changed). */
    clear(): void {
      db.transaction(() => {
        for (const b of allBooks.all() as { id: number }[]) removeBook(b.id);
      })();
    },
  };
}
