import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrate';
import { migrations } from './migrations';

/**
 * Opens (creating if needed) the app database and migrates it.
 *
 * WAL lets the UI read history while a write is in progress. `synchronous = FULL` costs one
 * fsync per commit, which is nothing at the rate calls happen, and means a power cut cannot
 * drop the record of a call that already ended (NORMAL could lose the last commits).
 */
export function openDatabase(file: string): Database {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another Tsunagu process (single-instance lock lost, a backup tool) may hold the lock briefly.
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
