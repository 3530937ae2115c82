import BetterSqlite3, { type Database } from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { DatabaseTooNewError, migrate } from './migrate';
import { migrations } from './migrations';

export interface OpenDatabaseOptions {
  /** How long to wait for another connection's lock before giving up (ms). Default 5000. */
  busyTimeoutMs?: number;
}

/** Another process (a second Tsunagu whose single-instance lock was lost, a backup or sync
 *  tool) held the database locked for longer than the busy timeout. Nothing was changed:
 *  the user closes the other program and starts again. */
export class DatabaseLockedError extends Error {
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`database ${file} is locked by another process`, options);
    this.name = 'DatabaseLockedError';
  }
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function sqliteCode(error: unknown): string {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
}
/** SQLITE_BUSY / SQLITE_LOCKED and their extended codes (SQLITE_BUSY_SNAPSHOT, …). */
export function isLockedError(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)(_|$)/.test(sqliteCode(error));
}
/** The file is damaged or is not an SQLite database at all. */
export function isCorruptionError(error: unknown): boolean {
  return /^SQLITE_(CORRUPT|NOTADB)(_|$)/.test(sqliteCode(error));
}

/**
 * Opens (creating if needed) the app database and migrates it.
 *
 * WAL lets the UI read history while a write is in progress. `synchronous = FULL` costs one
 * fsync per commit, which is nothing at the rate calls happen, and means a power cut cannot
 * drop the record of a call that already ended (NORMAL could lose the last commits).
 *
 * Throws DatabaseTooNewError (a newer Tsunagu's file) before anything is written to it, and
 * DatabaseLockedError when another process keeps the write lock past the busy timeout.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  // Another Tsunagu process (single-instance lock lost, a backup tool) may hold the lock
  // briefly: the timeout (SQLite's busy_timeout) applies from the very first statement.
  const db = new BetterSqlite3(file, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    // Refused before the WAL switch below could rewrite its header: the file stays as it was.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) throw new DatabaseTooNewError(version, migrations.length);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Take the write lock once now: a database someone else keeps locked is reported here,
    // as such, rather than as a failing write in the middle of a call.
    db.transaction(() => undefined).immediate();
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    if (isLockedError(error)) throw new DatabaseLockedError(file, { cause: error });
    throw error;
  }
}

export interface OpenAppDatabaseOptions extends OpenDatabaseOptions {
  /** Names the kept copy of a damaged file. */
  now: () => number;
  /**
   * Up to this size (bytes) the start-up check is a full `PRAGMA quick_check`. Larger files get
   * the cheap structural check only: quick_check reads every page, 1.1–2.7 s on a 1,000,000-call
   * (444 MB) history even with the file in the OS cache (2 cores, idle to busy), too slow for
   * every start; the cheap check takes ~2–5 ms there. Default 16 MiB (~36,000 calls, 40–140 ms).
   */
  quickCheckMaxBytes?: number;
}

export interface OpenedAppDatabase {
  db: Database;
  /** Where the damaged file was moved (its -wal/-shm beside it with the same suffixes), or null. */
  recoveredFrom: string | null;
  /** What was wrong with it, for the log. */
  problem: string | null;
}

const DEFAULT_QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024;
/** SQLite's companion files that belong to the main file and must move with it. */
const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

/**
 * The app's database as the app opens it. A damaged file (not a database, SQLITE_CORRUPT, or
 * failing the start-up check) is never wiped: it is moved aside, with its -wal/-shm, as
 * `<file>.corrupt-<ISO time>` and a fresh database is created; the caller tells the user where
 * the old one is. A newer version's file (DatabaseTooNewError) and a locked one
 * (DatabaseLockedError) are not damage: they are refused and left exactly as they are.
 */
export function openAppDatabase(file: string, options: OpenAppDatabaseOptions): OpenedAppDatabase {
  let problem = existsSync(file) ? inspectDatabase(file, options) : null;
  if (problem === null) {
    try {
      return { db: openDatabase(file, options), recoveredFrom: null, problem: null };
    } catch (error) {
      if (!isCorruptionError(error)) throw error;
      problem = (error as Error).message;
    }
  }
  const recoveredFrom = setAside(file, options.now());
  return { db: openDatabase(file, options), recoveredFrom, problem };
}

/**
 * Checks the file on a read-only connection, which never writes to it (no checkpoint, no WAL
 * switch), so a damaged file is kept byte for byte. Returns what is wrong, or null. Throws
 * DatabaseLockedError when it cannot even be read because someone holds it exclusively, and
 * DatabaseTooNewError for a newer version's file (judged before its schema is parsed).
 *
 * The cheap check, always: the header's page count against the file's size when no WAL or
 * journal could hold the missing pages (a truncated copy, a disk that filled up), the schema
 * (header and page 1), and the first and last row of every rowid table (the root-to-leaf paths
 * at both edges of each tree; the newest rows live at the right edge). Plus `quick_check` of
 * every page when the file is small enough (quickCheckMaxBytes).
 */
function inspectDatabase(file: string, options: OpenAppDatabaseOptions): string | null {
  let db: Database | null = null;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
    // First, from the header alone: a newer Tsunagu's schema may use SQL this SQLite cannot
    // parse, which it reports as a malformed (SQLITE_CORRUPT) schema. That file is not damaged.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) throw new DatabaseTooNewError(version, migrations.length);
    const truncated = truncatedFile(file);
    if (truncated) return truncated;
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0 AND sql NOT LIKE '%WITHOUT ROWID%'")
      .pluck()
      .all() as string[];
    const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    if (bytes <= (options.quickCheckMaxBytes ?? DEFAULT_QUICK_CHECK_MAX_BYTES)) {
      const result = db.pragma('quick_check', { simple: true });
      if (result !== 'ok') return `quick_check: ${String(result)}`;
    } else {
      for (const table of tables) {
        const quoted = `"${table.replaceAll('"', '""')}"`;
        db.prepare(`SELECT * FROM ${quoted} ORDER BY rowid ASC LIMIT 1`).get();
        db.prepare(`SELECT * FROM ${quoted} ORDER BY rowid DESC LIMIT 1`).get();
      }
    }
    return null;
  } catch (error) {
    if (error instanceof DatabaseTooNewError) throw error;
    if (isLockedError(error)) throw new DatabaseLockedError(file, { cause: error });
    if (isCorruptionError(error)) return (error as Error).message;
    // Anything else (a hot rollback journal a read-only connection may not replay, …) is for
    // the read-write open to handle or report.
    return null;
  } finally {
    db?.close();
  }
}

/** The header's page count says the file should be longer than it is. Only meaningful when
 *  no WAL or rollback journal with content exists (either may legitimately hold those pages). */
function truncatedFile(file: string): string | null {
  for (const suffix of ['-wal', '-journal']) {
    if (existsSync(file + suffix) && statSync(file + suffix).size > 0) return null;
  }
  const header = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  // Too short, or not SQLite at all: SQLite itself says so (SQLITE_NOTADB), or it is empty.
  if (read < header.length || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') return null;
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  // The in-header size is valid only when its version-valid-for number matches the change counter.
  if (pages === 0 || header.readUInt32BE(24) !== header.readUInt32BE(92)) return null;
  const size = statSync(file).size;
  return size < pages * pageSize ? `file is ${size} bytes, its header says ${pages} pages of ${pageSize}` : null;
}

/** Moves the file and its companions aside; returns the new path of the main file. The time
 *  is ISO 8601 with ':' and '.' as '-' (Windows allows neither ':' in a file name). */
function setAside(file: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  let kept = `${file}.corrupt-${stamp}`;
  for (let n = 1; [kept, ...COMPANIONS.map((s) => kept + s)].some((p) => existsSync(p)); n++) kept = `${file}.corrupt-${stamp}-${n}`;
  // Companions first: a crash in between may leave the damaged main file behind (found and
  // moved again at the next start), never a stale WAL for the fresh database to replay.
  for (const suffix of COMPANIONS) if (existsSync(file + suffix)) renameSync(file + suffix, kept + suffix);
  if (existsSync(file)) renameSync(file, kept);
  return kept;
}
