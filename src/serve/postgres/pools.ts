/**
 * serve's connection pools. Creates (and the reaper, and claims) take sessions from
 * `admin`; lookups, rate-limit counts and /healthz use `quick`, which nothing slow ever
 * holds, so reads answer in milliseconds during a create storm. Both give up waiting for a
 * session after a bounded time (→ 503).
 *
 * Sessions are opened at start and kept, never closed for being idle: tenants may take
 * every connection slot PostgreSQL has (their per-database limits add up to far more), and
 * a session serve holds is one they cannot take. Every statement has a deadline on both
 * sides: PostgreSQL's statement_timeout, and the client's own for a server that answers
 * nothing at all (frozen, or cut off by the network).
 */
import pg from 'pg';
import type { Log } from '../log.js';

export interface Pools {
  /** Creates, claims, the reaper: sessions held for several statements. */
  admin: SessionPool;
  /** One short statement at a time; a statement over QUICK_STATEMENT_MS is cancelled. */
  quick: SessionPool;
  end(): Promise<void>;
}

/** A pg.Pool that can end every session it has handed out (their server stopped answering). */
export interface SessionPool extends pg.Pool {
  /** Ends the sessions now in use (their statements fail at once) and, while `refusing`, every one handed out. */
  cutOff(refusing: boolean): void;
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
/** What the client waits past PostgreSQL's own statement_timeout before it gives up on the server. */
const CLIENT_GRACE_MS = 1_000;

/**
 * A session that dies while checked out (PostgreSQL restarting) emits 'error' on its
 * client; with no listener that would end the process. The query in flight fails on its
 * own, so logging is all there is to do.
 */
function listenForErrors(pool: pg.Pool, name: string, log: Log): void {
  pool.on('error', (error) => log({ level: 'error', event: 'pool_error', pool: name, error: error.message }));
  pool.on('connect', (client) => {
    client.on('error', (error) => log({ level: 'warn', event: 'session_lost', pool: name, error: error.message }));
  });
}

/** pg's own record of the statement on the wire (its public `activeQuery` prints a deprecation warning since 8.20). */
function statementInFlight(client: pg.PoolClient): boolean {
  const internal = client as unknown as { _getActiveQuery?: () => unknown; _activeQuery?: unknown };
  return Boolean(internal._getActiveQuery ? internal._getActiveQuery() : internal._activeQuery);
}

/** A client whose statement outlived its deadline still has it on the wire: it must not be handed out again. */
function dropStuckSessions(pool: pg.Pool): void {
  pool.on('release', (_error, client) => {
    if (statementInFlight(client)) void client.end().catch(() => {});
  });
}

function cutOffAble(pool: pg.Pool): SessionPool {
  const inUse = new Set<pg.PoolClient>();
  let refusing = false;
  pool.on('acquire', (client) => {
    inUse.add(client);
    if (refusing) void client.end().catch(() => {});
  });
  pool.on('release', (_error, client) => inUse.delete(client));
  pool.on('remove', (client) => inUse.delete(client as pg.PoolClient));
  return Object.assign(pool, {
    cutOff(refuse: boolean) {
      refusing = refuse;
      if (refuse) for (const client of inUse) void client.end().catch(() => {});
    },
  });
}

/** Errors of a session PostgreSQL ended while it sat in the pool (a restart it has come back from). */
const LOST_SESSION_CODES = new Set(['57P01', '57P02', 'ECONNRESET', 'EPIPE']);
const LOST_SESSION = /^(Connection terminated(?! due to connection timeout)|Client has encountered a connection error|Client was closed)/;

/**
 * The quick pool's reads meet a session lost in a restart once more on another session, rather
 * than answering 503 while PostgreSQL is back (the admin pool's creates find theirs through
 * their own retries; GET and /healthz had none). Only a lost session: a connect that times out
 * or a refused connection is answered as it is, at once.
 */
function retryLostSession(pool: SessionPool): SessionPool {
  const once = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const lost = (error: unknown) => {
    const { code, message } = error as { code?: string; message?: string };
    return LOST_SESSION_CODES.has(code ?? '') || LOST_SESSION.test(message ?? '');
  };
  const query = (...args: unknown[]) => once(...args).catch((error: unknown) => (lost(error) ? once(...args) : Promise.reject(error)));
  return Object.assign(pool, { query: query as unknown as SessionPool['query'] });
}

function openPool(config: pg.PoolConfig, name: string, log: Log): SessionPool {
  // idleTimeoutMillis 0: a session once opened is kept (see the file's comment).
  const pool = new pg.Pool({ ...config, idleTimeoutMillis: 0 });
  listenForErrors(pool, name, log);
  dropStuckSessions(pool);
  return cutOffAble(pool);
}

/**
 * Opens up to `count` sessions now, so serve holds them before tenants can take the slots.
 * Best effort: a server already full leaves fewer, and the pool opens more when it can.
 *
 * @example
 * const held = await holdSessions(pools.admin, ADMIN_POOL_SIZE);
 */
export async function holdSessions(pool: pg.Pool, count: number): Promise<number> {
  const opened = await Promise.allSettled(Array.from({ length: count }, () => pool.connect()));
  for (const result of opened) if (result.status === 'fulfilled') result.value.release();
  return opened.filter((result) => result.status === 'fulfilled').length;
}

/**
 * Admin sessions on another PostgreSQL server (roles and databases only; the state is on the first).
 *
 * @example
 * const pool = openClusterPool(adminSession(pgConfigFromUrl('postgresql://postgres:pw@db2.internal:5432/postgres')), 'db2.internal:5432', log);
 */
export function openClusterPool(base: pg.ClientConfig, name: string, log: Log): SessionPool {
  // Its statements' deadlines come with `base` (adminSession).
  return openPool({ ...base, max: ADMIN_POOL_SIZE, connectionTimeoutMillis: ADMIN_WAIT_MS }, name, log);
}

/**
 * @example
 * const pools = openPools(adminSession(pgConfigFromUrl('postgresql://postgres:pw@127.0.0.1:5432/postgres')), jsonLog(console.log));
 * await pools.quick.query('SELECT 1');
 * await pools.end();
 */
export function openPools(base: pg.ClientConfig, log: Log): Pools {
  const admin = openClusterPool(base, 'admin', log);
  const quick = retryLostSession(
    openPool(
      { ...base, max: QUICK_POOL_SIZE, connectionTimeoutMillis: QUICK_WAIT_MS, statement_timeout: QUICK_STATEMENT_MS, query_timeout: QUICK_STATEMENT_MS + CLIENT_GRACE_MS },
      'quick',
      log,
    ),
  );
  return {
    admin,
    quick,
    end: async () => {
      await Promise.all([admin.end().catch(() => {}), quick.end().catch(() => {})]);
    },
  };
}
