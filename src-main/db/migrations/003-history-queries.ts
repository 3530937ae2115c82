import { fillRemoteKeys } from '../../history/history-query';
import type { Migration } from '../migrate';

// The history list as a query engine: filter by the four kinds users know, sort by time, number
// or talk time in either direction, search by digits or by phonebook name, page with a keyset
// cursor — every combination answered from an index, so a page costs the same on row 1 and on
// row 900 000.
//
// remote_key / remote_digits are derived from remote_number by JavaScript (the phone-number
// normaliser has no SQL twin), so they are stored columns: filled here for existing rows and by
// the history service for new ones (via remoteKeys()). NOT NULL DEFAULT '' rather than NULL:
// a NULL would fall out of every row-value comparison of the keyset cursor (NULL < x is NULL),
// silently dropping rows from pages; '' simply sorts first. '' also means "no number" (an
// anonymous caller, a SIP name), as the normaliser itself answers.
//
// `kind` is VIRTUAL: it costs nothing per row in the table and is materialised only in the
// indexes that lead with it.
//
// The indexes, and why (history-query.ts has the plans that use them). A filter on one or more
// kinds reads the per-kind index, one range per kind, merged by SQLite (UNION ALL … ORDER BY is
// a merge, not a sort); no filter reads the unfiltered one. The trailing id makes ties stable
// and lets the keyset cursor's row value (value, id) bound the range. remote_digits rides along
// in the time and talk-time indexes so that a digit search walking them in sort order filters
// without reading the table row.
//   time      calls_by_time        (started_at, id, remote_digits)
//             calls_by_kind_time   (kind, started_at, id, remote_digits)
//   number    calls_by_digits      (remote_digits, id)   — also the digit-prefix range
//             calls_by_kind_digits (kind, remote_digits, id)
//   duration  calls_by_duration      (duration_sec, id, remote_digits)
//             calls_by_kind_duration (kind, duration_sec, id, remote_digits)
//   names     calls_by_remote_key  (remote_key, started_at, id) — one range per phonebook number
//             calls_by_remote_name (remote_name NOCASE), partial — the SIP display-name fallback
// calls_by_time replaces 001's calls_by_start: the same order, plus the digits.
//
// No ANALYZE here: the history queries pin their index (INDEXED BY) and choose between plans
// on a measured count, so statistics do not change them; their plans were checked with and
// without statistics. A startup `PRAGMA optimize` is harmless to them.
export const migration003HistoryQueries: Migration = {
  version: 3,
  name: 'history-queries',
  up(db) {
    db.exec(`
      ALTER TABLE calls ADD COLUMN remote_key TEXT NOT NULL DEFAULT '';
      ALTER TABLE calls ADD COLUMN remote_digits TEXT NOT NULL DEFAULT '';
      ALTER TABLE calls ADD COLUMN kind TEXT GENERATED ALWAYS AS (
        CASE
          WHEN direction = 'outgoing' THEN 'outgoing'
          WHEN outcome = 'missed' THEN 'missed'
          WHEN outcome = 'rejected' THEN 'rejected'
          ELSE 'incoming'
        END) VIRTUAL;
    `);
    // Before the indexes exist: the backfill then writes table pages only, and each index is
    // built once from sorted data instead of being updated row by row.
    fillRemoteKeys(db);
    db.exec(`
      DROP INDEX calls_by_start;
      CREATE INDEX calls_by_time ON calls (started_at, id, remote_digits);
      CREATE INDEX calls_by_kind_time ON calls (kind, started_at, id, remote_digits);
      CREATE INDEX calls_by_digits ON calls (remote_digits, id);
      CREATE INDEX calls_by_kind_digits ON calls (kind, remote_digits, id);
      CREATE INDEX calls_by_duration ON calls (duration_sec, id, remote_digits);
      CREATE INDEX calls_by_kind_duration ON calls (kind, duration_sec, id, remote_digits);
      CREATE INDEX calls_by_remote_key ON calls (remote_key, started_at, id);
      CREATE INDEX calls_by_remote_name ON calls (remote_name COLLATE NOCASE) WHERE remote_name IS NOT NULL;
    `);
  },
};
