import type { Migration } from '../migrate';

// The web phonebook (Web電話帳): a local cache of the company's CardDAV address books, so that
// an incoming call is matched on the normalised number by one index probe (CardDAV's own
// text-match is a literal substring match and cannot do that), and search-as-you-type folds
// kana and width like the personal phonebook. The cache is disposable: the server is the truth.
//
// Consistency: a card's row, its numbers and its search row are written in one transaction;
// a book's sync_token (RFC 6578) is only stored in the transaction that applied the last
// changes it covers, so after any failure the next sync asks again from the old token.
export const migration005WebPhonebook: Migration = {
  version: 5,
  name: 'web-phonebook',
  up(db) {
    db.exec(`
      CREATE TABLE web_address_books (
        id            INTEGER PRIMARY KEY,
        -- which server and user the cache belongs to (base URL + ' ' + user): another
        -- account's books are dropped at its first sync
        account       TEXT    NOT NULL,
        -- absolute URL of the collection
        url           TEXT    NOT NULL,
        display_name  TEXT    NOT NULL,
        -- NULL until a sync has been applied completely; NULL also when the server has no
        -- sync-collection (then ctag and ETags decide what to fetch)
        sync_token    TEXT,
        ctag          TEXT,
        synced_at     INTEGER,
        UNIQUE (account, url)
      ) STRICT;

      CREATE TABLE web_cards (
        id            INTEGER PRIMARY KEY,
        book_id       INTEGER NOT NULL REFERENCES web_address_books (id) ON DELETE CASCADE,
        -- the card's path on the server, as its responses name it
        href          TEXT    NOT NULL,
        etag          TEXT    NOT NULL,
        uid           TEXT    NOT NULL,
        name          TEXT    NOT NULL,
        kana          TEXT    NOT NULL,
        company       TEXT    NOT NULL,
        department    TEXT    NOT NULL,
        email         TEXT    NOT NULL,
        notes         TEXT    NOT NULL,
        photo         TEXT,
        -- folded reading (or name when there is none) and folded name, as in contacts
        sort_key      TEXT    NOT NULL,
        name_key      TEXT    NOT NULL,
        updated_at    INTEGER NOT NULL,
        UNIQUE (book_id, href)
      ) STRICT;
      CREATE INDEX web_cards_by_sort_key ON web_cards (sort_key, id);
      CREATE INDEX web_cards_by_name_key ON web_cards (name_key, id);

      CREATE TABLE web_card_numbers (
        id            INTEGER PRIMARY KEY,
        card_id       INTEGER NOT NULL REFERENCES web_cards (id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        label         TEXT    NOT NULL,
        number        TEXT    NOT NULL,
        -- E.164 or the bare dial string (contacts/phone-number.ts): what calls are matched on
        normalized    TEXT    NOT NULL
      ) STRICT;
      -- The incoming-call lookup (target p99 < 1 ms) is one probe of this index.
      CREATE INDEX web_card_numbers_by_normalized ON web_card_numbers (normalized);
      CREATE INDEX web_card_numbers_by_card ON web_card_numbers (card_id, position);

      -- Substring search from three characters on; rowid = web_cards.id.
      CREATE VIRTUAL TABLE web_card_search USING fts5 (text, tokenize = 'trigram', content = '', contentless_delete = 1);
    `);
  },
};
