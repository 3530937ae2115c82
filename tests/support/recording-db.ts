import type { Database, Statement } from 'better-sqlite3';

/** TEST ONLY — one statement run: its SQL and the parameters it ran with. */
export interface Executed {
  sql: string;
  params: unknown[];
}

/**
 * TEST ONLY — the database, with every statement the code under test prepares logged with its
 * parameters when run (all/get), so a test can EXPLAIN exactly what was executed.
 */
export function recording(db: Database): { db: Database; log: Executed[] } {
  const log: Executed[] = [];
  const wrap = (sql: string, statement: Statement): Statement =>
    new Proxy(statement, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, target);
        if (property === 'all' || property === 'get') {
          return (...params: unknown[]) => {
            log.push({ sql, params });
            return (value as (...args: unknown[]) => unknown).apply(target, params);
          };
        }
        if (property === 'pluck') {
          return (...args: unknown[]) => {
            (value as (...a: unknown[]) => unknown).apply(target, args);
            return receiver;
          };
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const proxy = new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => wrap(sql, target.prepare(sql));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, log };
}
