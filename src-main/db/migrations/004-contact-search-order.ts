import type { Database } from 'better-sqlite3';
import { foldForSearch } from '../../contacts/kana';
import { ID_BITS, searchBucket, searchText } from '../../contacts/search-key';
import type { Migration } from '../migrate';

// The trigram search table's rowid leads with a list-order bucket (favourites, then the first
// characters of the reading) instead of being the bare contact id, so that a search matching
// thousands of contacts reads them in roughly list order and stops after the first page's
// bucket instead of sorting every match (search-key.ts has the layout and why).
//
// contact_search is contentless: its text cannot be read back, so it is rebuilt from the
// columns it was made of (name_key and sort_key are stored folded; company and department are
// folded again; the numbers' normalised keys are stored). Same text, new rowids. A contact
// that somehow had no search row gets one.
//
// Cost, once: one FTS insert per contact, ~2 s at start-up for 100,000 contacts (a phonebook
// of a few thousand: a fraction of a second).
//
// Also drops contacts_by_sort_key (sort_key, id): every query that ranges or orders on sort_key
// pins favourite and is served by contacts_by_list_order (favourite DESC, sort_key, id), which
// the planner chose with and without ANALYZE (and the prefix search now names). It was pure
// write cost: one more random b-tree insert per contact (~0.5 s of a 100,000-row import) and
// ~3.5 MB per 100,000 contacts.
export const migration004ContactSearchOrder: Migration = {
  version: 4,
  name: 'contact-search-order',
  up(db) {
    const rows = searchRows(db);
    // 'delete-all' empties a contentless table in one step; the definition (002) stays as is.
    db.exec("INSERT INTO contact_search (contact_search) VALUES ('delete-all')");
    // Ascending rowids: FTS5 flushes its pending terms to a new segment whenever a rowid is
    // lower than the one before (100,000 rows: 1.8 s sorted, 7 s in id order).
    rows.sort((a, b) => a.bucket - b.bucket || a.id - b.id);
    const insert = db.prepare('INSERT INTO contact_search (rowid, text) VALUES ((? << ?) | ?, ?)');
    for (const row of rows) insert.run(row.bucket, ID_BITS, row.id, row.text);

    db.exec('DROP INDEX contacts_by_sort_key');
  },
};

function searchRows(db: Database): { id: number; bucket: number; text: string }[] {
  const numbers = new Map<number, string[]>();
  const byContact = db.prepare('SELECT contact_id, normalized FROM contact_numbers ORDER BY contact_id, position');
  for (const n of byContact.iterate() as Iterable<{ contact_id: number; normalized: string }>) {
    const list = numbers.get(n.contact_id);
    if (list) list.push(n.normalized);
    else numbers.set(n.contact_id, [n.normalized]);
  }
  const contacts = db.prepare('SELECT id, favourite, sort_key, name_key, company, department FROM contacts').all() as {
    id: number;
    favourite: 0 | 1;
    sort_key: string;
    name_key: string;
    company: string;
    department: string;
  }[];
  return contacts.map((c) => ({
    id: c.id,
    bucket: searchBucket(c.favourite === 1, c.sort_key),
    text: searchText(
      { nameKey: c.name_key, sortKey: c.sort_key, companyKey: foldForSearch(c.company), departmentKey: foldForSearch(c.department) },
      numbers.get(c.id) ?? [],
    ),
  }));
}
