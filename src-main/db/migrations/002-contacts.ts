import type { Migration } from '../migrate';

// The personal phonebook. Search keys are stored folded (kana, width, case) so the index does
// the work: a user types やまだ, ヤマダ or ﾔﾏﾀﾞ and gets the same rows.
export const migration002Contacts: Migration = {
  version: 2,
  name: 'contacts',
  up(db) {
    db.exec(`
      CREATE TABLE contacts (
        id          INTEGER PRIMARY KEY,
        name        TEXT    NOT NULL,
        kana        TEXT    NOT NULL,
        company     TEXT    NOT NULL,
        department  TEXT    NOT NULL,
        email       TEXT    NOT NULL,
        notes       TEXT    NOT NULL,
        favourite   INTEGER NOT NULL CHECK (favourite IN (0, 1)),
        photo       TEXT,
        -- folded reading (or name when there is none): list order and prefix search
        sort_key    TEXT    NOT NULL,
        -- folded name, for prefix search on the name itself
        name_key    TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      -- The list: favourites first, then in reading order, paged with a keyset cursor.
      CREATE INDEX contacts_by_list_order ON contacts (favourite DESC, sort_key, id);
      -- Search-as-you-type with one or two characters: prefix ranges on these.
      CREATE INDEX contacts_by_sort_key ON contacts (sort_key, id);
      CREATE INDEX contacts_by_name_key ON contacts (name_key, id);

      CREATE TABLE contact_numbers (
        id          INTEGER PRIMARY KEY,
        contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        label       TEXT    NOT NULL,
        number      TEXT    NOT NULL,
        -- E.164 or the bare dial string: what incoming calls are matched on
        normalized  TEXT    NOT NULL
      ) STRICT;
      -- The incoming-call lookup (target p99 < 1 ms) is one probe of this index.
      CREATE INDEX contact_numbers_by_normalized ON contact_numbers (normalized);
      CREATE INDEX contact_numbers_by_contact ON contact_numbers (contact_id, position);

      -- Substring search from three characters on (names, readings, company, digits). Trigram
      -- matching is what CardDAV servers cannot do; contentless keeps the text stored only once.
      CREATE VIRTUAL TABLE contact_search USING fts5 (text, tokenize = 'trigram', content = '', contentless_delete = 1);
    `);
  },
};
