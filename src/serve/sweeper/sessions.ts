/**
 * The sessions a sweep works through. A statement that kills its session (a FATAL, the
 * server restarting, a deadline) must cost the sweep that statement, not the rest: each
 * session here is replaced by a fresh one from its pool at the next statement.
 */
import type pg from 'pg';
import type { Server, Servers } from '../postgres/servers.js';
import type { Queryable } from '../state/store.js';
import { isUnavailable } from '../unavailable.js';

/** A Queryable over a pool session, renewed after one dies; `release` hands it back. */
export interface RenewingSession extends Queryable {
  release(): void;
}

/** The session cannot run another statement: PostgreSQL ended it, or it is gone. */
function sessionDied(client: pg.PoolClient, error: unknown): boolean {
  const severity = (error as { severity?: unknown }).severity;
  return severity === 'FATAL' || severity === 'PANIC' || isUnavailable(error) || !(client as unknown as { _queryable: boolean })._queryable;
}

/**
 * @example
 * const session = renewingSession(pool);
 * try { await session.query('SELECT 1'); } finally { session.release(); }
 */
export function renewingSession(pool: pg.Pool): RenewingSession {
  let current: Promise<pg.PoolClient> | undefined;
  const query = async (...args: unknown[]) => {
    const taking = (current ??= pool.connect());
    let client: pg.PoolClient;
    try {
      client = await taking;
    } catch (error) {
      if (current === taking) current = undefined;
      throw error;
    }
    try {
      return await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } catch (error) {
      if (current === taking && sessionDied(client, error)) {
        current = undefined;
        client.release(error as Error);
      }
      throw error;
    }
  };
  return {
    query: query as Queryable['query'],
    release: () => {
      const held = current;
      current = undefined;
      void held?.then((client) => client.release(), () => {});
    },
  };
}

/**
 * Where a row's role and database live: for the state's server the sweep's own session;
 * for another, one session of its pool for the whole sweep (taken when first needed).
 */
export interface OnServers {
  server(key: string | null): Server;
  session(key: string | null): Queryable;
  release(): void;
}

/**
 * @example
 * const on = onServers(state, servers);
 * await on.session(row.server).query('SELECT 1');
 */
export function onServers(state: RenewingSession, servers: Servers): OnServers {
  const sessions = new Map<Server, RenewingSession>();
  const server = (key: string | null) => {
    const found = servers.of(key);
    if (!found) throw new Error(`it is on ${key}, which is not among the --postgres-url servers`);
    return found;
  };
  return {
    server,
    session: (key) => {
      const target = server(key);
      if (target.holdsState) return state;
      if (!sessions.has(target)) sessions.set(target, renewingSession(target.pool));
      return sessions.get(target)!;
    },
    release: () => {
      for (const session of sessions.values()) session.release();
    },
  };
}
