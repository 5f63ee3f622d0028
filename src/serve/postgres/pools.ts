/**
 * serve's two connection pools to the admin database. Creates (and the reaper, and
 * claims) take sessions from `admin`; lookups, rate-limit counts and /healthz use
 * `quick`, which nothing slow ever holds, so reads answer in milliseconds during a
 * create storm. Both give up waiting for a session after a bounded time (→ 503).
 */
import pg from 'pg';
import type { Log } from '../log.js';

export interface Pools {
  /** Creates, claims, the reaper: sessions held for several statements. */
  admin: pg.Pool;
  /** One short statement at a time; a statement over QUICK_STATEMENT_MS is cancelled. */
  quick: pg.Pool;
  end(): Promise<void>;
}

export const ADMIN_POOL_SIZE = 10;
export const QUICK_POOL_SIZE = 3;
/**
 * A create waits this long for an admin session (the create storm's queue) before 503:
 * under get-db's own 15 s request timeout, so its client hears "try again" (and does,
 * after Retry-After) rather than giving up on a database that is then made for no one.
 */
const ADMIN_WAIT_MS = 10_000;
/** Reads and /healthz wait this long for a session (or a connection) before 503. */
const QUICK_WAIT_MS = 3_000;
const QUICK_STATEMENT_MS = 5_000;

/**
 * A session that dies while checked out (PostgreSQL restarting) emits 'error' on its
 * client; with no listener that would end the process. The query in flight fails on its
 * own, so logging is all there is to do.
 */
function listenForErrors(pool: pg.Pool, name: string, log: Log): pg.Pool {
  pool.on('error', (error) => log({ level: 'error', event: 'pool_error', pool: name, error: error.message }));
  pool.on('connect', (client) => {
    client.on('error', (error) => log({ level: 'warn', event: 'session_lost', pool: name, error: error.message }));
  });
  return pool;
}

/**
 * Admin sessions on another PostgreSQL server (roles and databases only; the state is on the first).
 *
 * @example
 * const pool = openClusterPool(pgConfigFromUrl('postgresql://postgres:pw@db2.internal:5432/postgres'), 'db2.internal:5432', log);
 */
export function openClusterPool(base: pg.ClientConfig, name: string, log: Log): pg.Pool {
  return listenForErrors(new pg.Pool({ ...base, max: ADMIN_POOL_SIZE, connectionTimeoutMillis: ADMIN_WAIT_MS }), name, log);
}

/**
 * @example
 * const pools = openPools(pgConfigFromUrl('postgresql://postgres:pw@127.0.0.1:5432/postgres'), jsonLog(console.log));
 * await pools.quick.query('SELECT 1');
 * await pools.end();
 */
export function openPools(base: pg.ClientConfig, log: Log): Pools {
  const admin = listenForErrors(new pg.Pool({ ...base, max: ADMIN_POOL_SIZE, connectionTimeoutMillis: ADMIN_WAIT_MS }), 'admin', log);
  const quick = listenForErrors(
    new pg.Pool({ ...base, max: QUICK_POOL_SIZE, connectionTimeoutMillis: QUICK_WAIT_MS, statement_timeout: QUICK_STATEMENT_MS }),
    'quick',
    log,
  );
  return {
    admin,
    quick,
    end: async () => {
      await Promise.all([admin.end().catch(() => {}), quick.end().catch(() => {})]);
    },
  };
}
