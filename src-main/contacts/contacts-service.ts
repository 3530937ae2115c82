import { groupNumbers } from '../support/group-numbers';
import type { Database } from 'better-sqlite3';
import type { Contact, ContactInput, ContactSummary } from '../../src-preload/contract';
import { ServiceError, type Clock } from '../support/service-error';
import { foldForSearch } from './kana';
import { normalizePhoneNumber, normalizeRemoteNumber } from './phone-number';
import { ID_BITS, ID_MASK, MAX_BUCKET, searchBucket, searchText } from './search-key';

interface ContactRow {
  id: number;
  name: string;
  kana: string;
  company: string;
  department: string;
  email: string;
  notes: string;
  favourite: 0 | 1;
  photo: string | null;
  sort_key: string;
  updated_at: number;
}

interface NumberRow {
  contact_id: number;
  label: string;
  number: string;
}

export interface ContactMatch {
  id: number;
  name: string;
  photo: string | null;
}

/** Upper bound of a prefix range: every string starting with `prefix` sorts below it. */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

export type ContactsService = ReturnType<typeof createContactsService>;

/**
 * The personal phonebook (個別電話帳). Every write keeps three things in step inside one
 * transaction: the contact row, its numbers with their normalised match keys, and the trigram
 * search row (text, and a rowid that carries the contact's list-order bucket: search-key.ts).
 * Numbers are matched on the normalised key, so 03-1234-5678, 0312345678 and +81 3 1234 5678
 * are one number; the original is kept for display.
 */
export function createContactsService(db: Database, clock: Clock) {
  // Warm libphonenumber now (≈3 ms once) so the first incoming call's lookup is not the one
  // that pays for its cold start (≈2.5 ms against a 1 ms target).
  normalizeRemoteNumber('sip:+12125550100@warm.invalid');
  // Positional parameters throughout the write path: binding an object by name cost 7–18 µs a
  // row more (measured: about 1 s of a 100,000-contact import).
  const insertContact = db.prepare(`
    INSERT INTO contacts (name, kana, company, department, email, notes, favourite, photo, sort_key, name_key, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const updateContact = db.prepare(`
    UPDATE contacts SET name = ?, kana = ?, company = ?, department = ?, email = ?, notes = ?, favourite = ?, photo = ?,
      sort_key = ?, name_key = ?, updated_at = ?
    WHERE id = ?`);
  // The search row's key is computed from favourite and sort_key, so a write that changes them
  // must delete the row under the values it had before.
  const searchKeyOf = db.prepare('SELECT favourite, sort_key FROM contacts WHERE id = ?');
  const deleteContact = db.prepare('DELETE FROM contacts WHERE id = ? RETURNING favourite, sort_key');
  const insertNumber = db.prepare(
    'INSERT INTO contact_numbers (contact_id, position, label, number, normalized) VALUES (?, ?, ?, ?, ?)',
  );
  const deleteNumbers = db.prepare('DELETE FROM contact_numbers WHERE contact_id = ?');
  // rowid = bucket << ID_BITS | id, assembled in SQL: JS numbers bind as REAL, and a 63-bit
  // rowid is not exact in a double (the bitwise operators make SQLite work in integers).
  const insertSearch = db.prepare('INSERT INTO contact_search (rowid, text) VALUES ((? << ?) | ?, ?)');
  const deleteSearch = db.prepare('DELETE FROM contact_search WHERE rowid = ((? << ?) | ?)');
  const byId = db.prepare('SELECT * FROM contacts WHERE id = ?');
  const numbersOf = db.prepare('SELECT contact_id, label, number FROM contact_numbers WHERE contact_id = ? ORDER BY position');
  // The ids come as one JSON array so that one prepared statement serves any page size.
  const numbersOfMany = db.prepare(
    'SELECT contact_id, label, number FROM contact_numbers WHERE contact_id IN (SELECT value FROM json_each(?)) ORDER BY contact_id, position',
  );
  const lookupByNumber = db.prepare(`
    SELECT c.id, c.name, c.photo FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id
    WHERE n.normalized = ? ORDER BY c.favourite DESC, c.id LIMIT 1`);
  const SUMMARY = 'id, name, kana, company, department, favourite, photo IS NOT NULL AS has_photo, sort_key';
  const listFirst = db.prepare(`SELECT ${SUMMARY} FROM contacts ORDER BY favourite DESC, sort_key, id LIMIT ?`);
  const listAfter = db.prepare(`
    SELECT ${SUMMARY} FROM contacts
    WHERE favourite < @favourite OR (favourite = @favourite AND (sort_key, id) > (@sortKey, @id))
    ORDER BY favourite DESC, sort_key, id LIMIT @limit`);
  // Three characters or more: trigram search, in two steps, so that a term matching thousands
  // of contacts does not fetch and sort them all (that was ~1 µs a match, 45 ms for '090').
  // FTS5 returns matches in rowid order, which is list order at bucket granularity
  // (search-key.ts). Step 1 reads matches in that order up to the limit-th and takes its
  // bucket. Every contact that belongs on the page is in that bucket or an earlier one: a match
  // in a later bucket has at least `limit` matches before it in list order. Step 2 sorts just
  // those matches (the FTS5 rowid bound stops its scan at the end of the bucket). Cost: the
  // matches of one bucket, not all of them.
  const nthMatchBucket = db.prepare('SELECT rowid >> ? FROM contact_search WHERE contact_search MATCH ? ORDER BY rowid LIMIT 1 OFFSET ?').pluck();
  const trigramSearch = db.prepare(`
    SELECT ${SUMMARY} FROM contacts WHERE id IN (
      SELECT rowid & @idMask FROM contact_search
      WHERE contact_search MATCH @match AND rowid <= ((@lastBucket << @idBits) | @idMask))
    ORDER BY favourite DESC, sort_key, id LIMIT @limit`);
  // One or two characters: trigrams cannot help, so prefix ranges on the folded reading and
  // name. Favourites are fetched apart so that the non-favourite branch can stop early in index
  // order instead of sorting every match. The indexes are named: without planner statistics
  // (a big import since the last start-up's PRAGMA optimize) SQLite read the name range from
  // contacts_by_list_order (favourite = 0) and sorted every non-favourite, 30–100 ms a keystroke.
  const prefixFavourites = db.prepare(`
    SELECT ${SUMMARY} FROM contacts INDEXED BY contacts_by_list_order WHERE favourite = 1
      AND ((sort_key >= @from AND sort_key < @to) OR (name_key >= @from AND name_key < @to))
    ORDER BY sort_key, id LIMIT @limit`);
  const prefixBySortKey = db.prepare(`
    SELECT ${SUMMARY} FROM contacts INDEXED BY contacts_by_list_order
    WHERE favourite = 0 AND sort_key >= @from AND sort_key < @to ORDER BY sort_key, id LIMIT @limit`);
  const prefixByNameKey = db.prepare(`
    SELECT ${SUMMARY} FROM contacts INDEXED BY contacts_by_name_key
    WHERE name_key >= @from AND name_key < @to AND favourite = 0 ORDER BY name_key, id LIMIT @limit`);

  /** What a contact is stored as: its columns, its numbers with their match keys, its search row.
   *  `fold` folds company and department (an import passes a memoised one: they repeat). */
  function storedForm(contact: ContactInput, fold: (text: string) => string) {
    const name = contact.name.trim();
    const nameKey = foldForSearch(name);
    const sortKey = foldForSearch(contact.kana) || nameKey;
    const favourite = contact.favourite ? 1 : 0;
    const numbers = contact.numbers.map((entry) => ({ label: entry.label, number: entry.number.trim(), normalized: normalizePhoneNumber(entry.number) }));
    return {
      columns: [name, contact.kana, contact.company, contact.department, contact.email, contact.notes, favourite, contact.photo, sortKey, nameKey],
      numbers,
      bucket: searchBucket(favourite === 1, sortKey),
      text: searchText(
        { nameKey, sortKey, companyKey: fold(contact.company), departmentKey: fold(contact.department) },
        numbers.map((n) => n.normalized),
      ),
    };
  }

  type StoredForm = ReturnType<typeof storedForm>;

  function insertNumbers(contactId: number, numbers: StoredForm['numbers']): void {
    numbers.forEach((n, position) => insertNumber.run(contactId, position, n.label, n.number, n.normalized));
  }

  /** Inserts the contact row and its numbers (not the search row); returns the new id. */
  function insertStored(stored: StoredForm): number {
    const now = clock.now();
    const id = Number(insertContact.run(...stored.columns, now, now).lastInsertRowid);
    // The id shares the search rowid with the bucket; a larger one would land in the next bucket.
    if (id > ID_MASK) throw new Error(`contact id ${id} exceeds the search index's ${ID_BITS}-bit id field`);
    insertNumbers(id, stored.numbers);
    return id;
  }

  function withNumbers(rows: (Omit<ContactRow, 'email' | 'notes' | 'photo' | 'updated_at'> & { has_photo: 0 | 1 })[]): ContactSummary[] {
    if (rows.length === 0) return [];
    const numbers = groupNumbers(numbersOfMany.all(JSON.stringify(rows.map((r) => r.id))) as NumberRow[], (n) => n.contact_id);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kana: r.kana,
      company: r.company,
      department: r.department,
      favourite: r.favourite === 1,
      hasPhoto: r.has_photo === 1,
      sortKey: r.sort_key,
      numbers: numbers.get(r.id) ?? [],
    }));
  }

  type SummaryRow = Parameters<typeof withNumbers>[0][number];

  const service = {
    create(contact: ContactInput): Contact {
      const id = db.transaction(() => {
        const stored = storedForm(contact, foldForSearch);
        const contactId = insertStored(stored);
        insertSearch.run(stored.bucket, ID_BITS, contactId, stored.text);
        return contactId;
      })();
      return service.get(id);
    },

    update(id: number, contact: ContactInput): Contact {
      db.transaction(() => {
        const stored = storedForm(contact, foldForSearch);
        const before = searchKeyOf.get(id) as { favourite: 0 | 1; sort_key: string } | undefined;
        if (!before) throw new ServiceError('not-found', `no contact ${id}`);
        updateContact.run(...stored.columns, clock.now(), id);
        deleteNumbers.run(id);
        deleteSearch.run(searchBucket(before.favourite === 1, before.sort_key), ID_BITS, id);
        insertNumbers(id, stored.numbers);
        insertSearch.run(stored.bucket, ID_BITS, id, stored.text);
      })();
      return service.get(id);
    },

    delete(id: number): void {
      db.transaction(() => {
        const deleted = deleteContact.get(id) as { favourite: 0 | 1; sort_key: string } | undefined;
        if (!deleted) throw new ServiceError('not-found', `no contact ${id}`);
        deleteSearch.run(searchBucket(deleted.favourite === 1, deleted.sort_key), ID_BITS, id);
      })();
    },

    get(id: number): Contact {
      const row = byId.get(id) as ContactRow | undefined;
      if (!row) throw new ServiceError('not-found', `no contact ${id}`);
      const numbers = (numbersOf.all(id) as NumberRow[]).map((n) => ({ label: n.label, number: n.number }));
      return {
        id: row.id,
        name: row.name,
        kana: row.kana,
        company: row.company,
        department: row.department,
        email: row.email,
        notes: row.notes,
        favourite: row.favourite === 1,
        photo: row.photo,
        numbers,
        updatedAt: row.updated_at,
      };
    },

    /** Favourites first, then in reading order; keyset-paged for a virtualised list. */
    list(limit: number, after?: { favourite: boolean; sortKey: string; id: number }): ContactSummary[] {
      const rows = (
        after
          ? listAfter.all({ favourite: after.favourite ? 1 : 0, sortKey: after.sortKey, id: after.id, limit })
          : listFirst.all(limit)
      ) as SummaryRow[];
      return withNumbers(rows);
    },

    /** Search-as-you-type over name, reading, company, department and numbers. */
    search(query: string, limit: number): ContactSummary[] {
      const folded = foldForSearch(query);
      if (folded === '') return service.list(limit);
      // A typed number is searched by its digits, whatever separators were typed.
      const digits = /^[+\d\s\-().]+$/.test(folded) ? folded.replace(/\D/g, '') : null;
      const term = digits && digits.length > 0 ? digits : folded;
      if ([...term].length >= 3) {
        // The whole term as one quoted phrase: user input never becomes FTS5 query syntax.
        const match = `"${term.replaceAll('"', '""')}"`;
        // Fewer than `limit` matches: no bound, all of them are on the page.
        const lastBucket = (nthMatchBucket.get(ID_BITS, match, limit - 1) as number | undefined) ?? MAX_BUCKET;
        return withNumbers(trigramSearch.all({ match, lastBucket, idBits: ID_BITS, idMask: ID_MASK, limit }) as SummaryRow[]);
      }
      const range = { from: term, to: prefixEnd(term), limit };
      const seen = new Set<number>();
      const merged: SummaryRow[] = [];
      for (const row of [
        ...(prefixFavourites.all(range) as SummaryRow[]),
        ...[...(prefixBySortKey.all(range) as SummaryRow[]), ...(prefixByNameKey.all(range) as SummaryRow[])].sort((a, b) =>
          a.sort_key < b.sort_key ? -1 : a.sort_key > b.sort_key ? 1 : a.id - b.id,
        ),
      ]) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        merged.push(row);
        if (merged.length === limit) break;
      }
      return withNumbers(merged);
    },

    /** The contact for an incoming number (SIP user part, tel: URI or dialled digits), or null. */
    lookup(remote: string): ContactMatch | null {
      const key = normalizeRemoteNumber(remote);
      if (!key) return null;
      return (lookupByNumber.get(key) as ContactMatch | undefined) ?? null;
    },

    /** Adds many contacts at once: all of them or, on any failure, none. */
    importAll(contacts: readonly ContactInput[]): number {
      return db.transaction(() => {
        // Company and department repeat across an import (a whole office at once): fold each once.
        const folded = new Map<string, string>();
        const fold = (text: string): string => {
          let key = folded.get(text);
          if (key === undefined) folded.set(text, (key = foldForSearch(text)));
          return key;
        };
        const searchRows: { bucket: number; id: number; text: string }[] = [];
        for (const contact of contacts) {
          const stored = storedForm(contact, fold);
          searchRows.push({ bucket: stored.bucket, id: insertStored(stored), text: stored.text });
        }
        // The search rows last, in ascending rowid order: FTS5 flushes its pending terms to a
        // new segment whenever a rowid is lower than the one before, and the buckets of an
        // import come in any order (100,000 rows: 1.8 s sorted, 7 s in id order).
        searchRows.sort((a, b) => a.bucket - b.bucket || a.id - b.id);
        for (const row of searchRows) insertSearch.run(row.bucket, ID_BITS, row.id, row.text);
        return contacts.length;
      })();
    },

    /** Every contact with its numbers, in list order, for export. */
    allForExport(): ContactInput[] {
      const numbers = new Map<number, { label: string; number: string }[]>();
      for (const n of db.prepare('SELECT contact_id, label, number FROM contact_numbers ORDER BY contact_id, position').iterate() as Iterable<NumberRow>) {
        const list = numbers.get(n.contact_id) ?? [];
        list.push({ label: n.label, number: n.number });
        numbers.set(n.contact_id, list);
      }
      const rows = db.prepare('SELECT * FROM contacts ORDER BY favourite DESC, sort_key, id').all() as ContactRow[];
      return rows.map((r) => ({
        name: r.name,
        kana: r.kana,
        company: r.company,
        department: r.department,
        numbers: numbers.get(r.id) ?? [],
        email: r.email,
        notes: r.notes,
        favourite: r.favourite === 1,
        photo: r.photo,
      }));
    },

    count(): number {
      return (db.prepare('SELECT count(*) AS n FROM contacts').get() as { n: number }).n;
    },
  };
  return service;
}
