import type { Database } from 'better-sqlite3';
import type { Contact, ContactInput, ContactSummary } from '../../src-preload/contract';
import { ServiceError, type Clock } from '../support/service-error';
import { foldForSearch } from './kana';
import { normalizePhoneNumber, normalizeRemoteNumber } from './phone-number';

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

/** Digits of a normalised number in the forms people type: E.164 without '+', and national. */
function searchableDigits(normalized: string): string {
  const digits = normalized.replace(/^\+/, '');
  return normalized.startsWith('+81') ? `${digits} 0${digits.slice(2)}` : digits;
}

export type ContactsService = ReturnType<typeof createContactsService>;

/**
 * The personal phonebook (個別電話帳). Every write keeps three things in step inside one
 * transaction: the contact row, its numbers with their normalised match keys, and the trigram
 * search text. Numbers are matched on the normalised key, so 03-1234-5678, 0312345678 and
 * +81 3 1234 5678 are one number; the original is kept for display.
 */
export function createContactsService(db: Database, clock: Clock) {
  // Warm libphonenumber now (≈3 ms once) so the first incoming call's lookup is not the one
  // that pays for its cold start (≈2.5 ms against a 1 ms target).
  normalizeRemoteNumber('sip:+12125550100@warm.invalid');
  const insertContact = db.prepare(`
    INSERT INTO contacts (name, kana, company, department, email, notes, favourite, photo, sort_key, name_key, created_at, updated_at)
    VALUES (@name, @kana, @company, @department, @email, @notes, @favourite, @photo, @sortKey, @nameKey, @now, @now)`);
  const updateContact = db.prepare(`
    UPDATE contacts SET name = @name, kana = @kana, company = @company, department = @department, email = @email,
      notes = @notes, favourite = @favourite, photo = @photo, sort_key = @sortKey, name_key = @nameKey, updated_at = @now
    WHERE id = @id`);
  const deleteContact = db.prepare('DELETE FROM contacts WHERE id = ?');
  const insertNumber = db.prepare(
    'INSERT INTO contact_numbers (contact_id, position, label, number, normalized) VALUES (?, ?, ?, ?, ?)',
  );
  const deleteNumbers = db.prepare('DELETE FROM contact_numbers WHERE contact_id = ?');
  const insertSearch = db.prepare('INSERT INTO contact_search (rowid, text) VALUES (?, ?)');
  const deleteSearch = db.prepare('DELETE FROM contact_search WHERE rowid = ?');
  const byId = db.prepare('SELECT * FROM contacts WHERE id = ?');
  const numbersOf = db.prepare('SELECT contact_id, label, number FROM contact_numbers WHERE contact_id = ? ORDER BY position');
  const lookupByNumber = db.prepare(`
    SELECT c.id, c.name, c.photo FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id
    WHERE n.normalized = ? ORDER BY c.favourite DESC, c.id LIMIT 1`);
  const SUMMARY = 'id, name, kana, company, department, favourite, photo IS NOT NULL AS has_photo, sort_key';
  const listFirst = db.prepare(`SELECT ${SUMMARY} FROM contacts ORDER BY favourite DESC, sort_key, id LIMIT ?`);
  const listAfter = db.prepare(`
    SELECT ${SUMMARY} FROM contacts
    WHERE favourite < @favourite OR (favourite = @favourite AND (sort_key, id) > (@sortKey, @id))
    ORDER BY favourite DESC, sort_key, id LIMIT @limit`);
  const trigramSearch = db.prepare(`
    SELECT ${SUMMARY} FROM contacts WHERE id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH ?)
    ORDER BY favourite DESC, sort_key, id LIMIT ?`);
  // One or two characters: trigrams cannot help, so prefix ranges on the folded reading and
  // name. Favourites are fetched apart so that the non-favourite branch can stop early in index
  // order instead of sorting every match.
  const prefixFavourites = db.prepare(`
    SELECT ${SUMMARY} FROM contacts WHERE favourite = 1
      AND ((sort_key >= @from AND sort_key < @to) OR (name_key >= @from AND name_key < @to))
    ORDER BY sort_key, id LIMIT @limit`);
  const prefixBySortKey = db.prepare(`SELECT ${SUMMARY} FROM contacts WHERE sort_key >= @from AND sort_key < @to AND favourite = 0 ORDER BY sort_key, id LIMIT @limit`);
  const prefixByNameKey = db.prepare(`SELECT ${SUMMARY} FROM contacts WHERE name_key >= @from AND name_key < @to AND favourite = 0 ORDER BY name_key, id LIMIT @limit`);
  const numbersForMany = (ids: number[]) =>
    db.prepare(`SELECT contact_id, label, number FROM contact_numbers WHERE contact_id IN (${ids.map(() => '?').join(',')}) ORDER BY contact_id, position`).all(...ids) as NumberRow[];

  function write(id: number | null, contact: ContactInput): number {
    const name = contact.name.trim();
    const nameKey = foldForSearch(name);
    const sortKey = foldForSearch(contact.kana) || nameKey;
    const params = {
      name,
      kana: contact.kana,
      company: contact.company,
      department: contact.department,
      email: contact.email,
      notes: contact.notes,
      favourite: contact.favourite ? 1 : 0,
      photo: contact.photo,
      sortKey,
      nameKey,
      now: clock.now(),
    };
    let contactId: number;
    if (id === null) {
      contactId = Number(insertContact.run(params).lastInsertRowid);
    } else {
      if (updateContact.run({ ...params, id }).changes === 0) throw new ServiceError('not-found', `no contact ${id}`);
      contactId = id;
      deleteNumbers.run(id);
      deleteSearch.run(id);
    }
    const digits: string[] = [];
    contact.numbers.forEach((entry, position) => {
      const normalized = normalizePhoneNumber(entry.number);
      insertNumber.run(contactId, position, entry.label, entry.number.trim(), normalized);
      if (normalized) digits.push(searchableDigits(normalized));
    });
    const text = [nameKey, sortKey, foldForSearch(contact.company), foldForSearch(contact.department), ...digits].join(' ');
    insertSearch.run(contactId, text);
    return contactId;
  }

  function withNumbers(rows: (Omit<ContactRow, 'email' | 'notes' | 'photo' | 'updated_at'> & { has_photo: 0 | 1 })[]): ContactSummary[] {
    if (rows.length === 0) return [];
    const numbers = new Map<number, { label: string; number: string }[]>();
    for (const n of numbersForMany(rows.map((r) => r.id))) {
      const list = numbers.get(n.contact_id) ?? [];
      list.push({ label: n.label, number: n.number });
      numbers.set(n.contact_id, list);
    }
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
      const id = db.transaction(() => write(null, contact))();
      return service.get(id);
    },

    update(id: number, contact: ContactInput): Contact {
      db.transaction(() => write(id, contact))();
      return service.get(id);
    },

    delete(id: number): void {
      db.transaction(() => {
        if (deleteContact.run(id).changes === 0) throw new ServiceError('not-found', `no contact ${id}`);
        deleteSearch.run(id);
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
        return withNumbers(trigramSearch.all(`"${term.replaceAll('"', '""')}"`, limit) as SummaryRow[]);
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
        for (const contact of contacts) write(null, contact);
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
