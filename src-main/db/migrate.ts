import type { Database } from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3 … with no gaps; stored in `PRAGMA user_version`. */
  version: number;
  name: string;
  up(db: Database): void;
}

/** The database was written by a newer Tsunagu. Opening it could corrupt data that version
 *  relies on, so we refuse rather than guess. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
  ) {
    super(`database schema version ${found} is newer than this app supports (${supported})`);
    this.name = 'DatabaseTooNewError';
  }
}

/**
 * Brings the schema up to date. All pending migrations run in ONE transaction together with the
 * version bump: a crash or a failing migration leaves the file exactly as it was, never half
 * migrated.
 */
export function migrate(db: Database, migrations: readonly Migration[]): { from: number; to: number } {
  migrations.forEach((m, index) => {
    if (m.version !== index + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${index + 1}`);
  });
  const latest = migrations.length;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) throw new DatabaseTooNewError(current, latest);
  if (current === latest) return { from: current, to: current };

  db.transaction(() => {
    for (const m of migrations.slice(current)) m.up(db);
    // PRAGMA cannot take a bound parameter; `latest` is our own integer, not input.
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  return { from: current, to: latest };
}
