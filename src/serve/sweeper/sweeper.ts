/**
 * The reaper: drops expired unclaimed databases with their roles, keeps unclaimed ones
 * over the storage limit read-only (and locks out one grown past twice the limit), keeps every role's connection limit, and forgets old
 * rate-limit windows. Safe with many serve processes: one sweeps at a time (a row lock
 * on serve's own `leases` table, which no tenant can touch, released if its process
 * dies), and each row changes state by a conditional UPDATE. No tenant can stop it: a
 * database or role that fails to drop (or to measure) is logged, retried next sweep, and
 * never holds up the others.
 */
import type pg from 'pg';
import { databaseSize, dropRoleAndDatabase, endRoleSessions, endSessions, ident, readOnlyHolds, rolesWithOtherLimit, setReadOnly } from '../postgres/cluster.js';
import type { Server, Servers } from '../postgres/servers.js';
import { withLease } from '../state/state-schema.js';
import { deleteRecord, listUnclaimed, liveRoles, markReadOnly, pruneRateWindows, takeForDeletion, touchRecord } from '../state/store.js';
import type { Queryable } from '../state/store.js';
import type { Log } from '../log.js';
import type { Observer } from '../observe.js';

export interface SweepOptions {
  storageLimitBytes: number;
  rateLimitPeriodMs: number | undefined;
  /** CONNECTION LIMIT every live role should have. */
  connectionsPerDatabase: number;
  servers: Servers;
  log: Log;
  observer: Observer;
}

export interface SweepReport {
  ran: boolean;
  dropped: string[];
  madeReadOnly: string[];
}

const BATCH = 50;
const message = (error: unknown) => (error as Error).message;

/**
 * Where a row's role and database live: for the state's server the sweep's own session;
 * for another, one session of its pool for the whole sweep (taken when first needed).
 */
interface OnServer {
  server(key: string | null): Server;
  session(key: string | null): Promise<Queryable>;
  release(): void;
}

function onServers(client: Queryable, servers: Servers): OnServer {
  const sessions = new Map<Server, Promise<import('pg').PoolClient>>();
  const server = (key: string | null) => {
    const found = servers.of(key);
    if (!found) throw new Error(`it is on ${key}, which is not among the --postgres-url servers`);
    return found;
  };
  return {
    server,
    session: async (key) => {
      const target = server(key);
      if (target.holdsState) return client;
      if (!sessions.has(target)) sessions.set(target, target.pool.connect());
      return sessions.get(target)!;
    },
    release: () => {
      for (const session of sessions.values()) void session.then((s) => s.release(), () => {});
    },
  };
}

async function dropExpired(client: Queryable, on: OnServer, options: SweepOptions): Promise<string[]> {
  const dropped: string[] = [];
  const failed: string[] = [];
  for (let batch = await takeForDeletion(client, BATCH, failed); batch.length > 0; batch = await takeForDeletion(client, BATCH, failed)) {
    for (const row of batch) {
      try {
        await dropRoleAndDatabase(await on.session(row.server), row.name, on.server(row.server).inDatabase);
        await deleteRecord(client, row.id);
        dropped.push(row.id);
        options.observer.reaped(1);
        options.log({ level: 'info', event: 'database_dropped', id: row.id });
      } catch (error) {
        // Its login is gone if the role still exists; the rest is retried next sweep.
        failed.push(row.id);
        await touchRecord(client, row.id);
        options.log({ level: 'error', event: 'drop_failed', id: row.id, name: row.name, error: message(error) });
      }
    }
  }
  return dropped;
}

/**
 * Read-only in place (again, if the owner lifted it) — and with `lockOut`, its login taken
 * until claimed — then its open sessions ended. Its role's sessions end first too: one
 * left in a transaction that changed the same settings would hold this up. False when a
 * claim came first.
 */
async function holdReadOnly(client: Queryable, cluster: Queryable, row: { id: string; name: string }, lockOut: boolean): Promise<boolean> {
  await endRoleSessions(cluster, row.name);
  await client.query('BEGIN');
  try {
    const stillUnclaimed = await markReadOnly(client, row.id);
    if (stillUnclaimed) await setReadOnly(cluster, row.name, true);
    if (stillUnclaimed && lockOut) await cluster.query(`ALTER ROLE ${ident(row.name)} NOLOGIN`);
    await client.query('COMMIT');
    if (!stillUnclaimed) return false;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  await (lockOut ? endRoleSessions(cluster, row.name) : endSessions(cluster, row.name));
  return true;
}

/**
 * What a database needs now: nothing, read-only (again), or — past twice the limit, which
 * only a session that switched read-only off can reach — locked out until claimed.
 */
async function storageAction(client: Queryable, row: { name: string; readOnly: boolean }, limitBytes: number): Promise<'none' | 'read_only' | 'read_only_restored' | 'locked'> {
  const size = await databaseSize(client, row.name);
  if (size > 2 * limitBytes) {
    const { rows } = await client.query<{ login: boolean }>('SELECT rolcanlogin AS login FROM pg_roles WHERE rolname = $1', [row.name]);
    if (rows[0]?.login) return 'locked';
  }
  if (!row.readOnly) return size > limitBytes ? 'read_only' : 'none';
  return (await readOnlyHolds(client, row.name)) ? 'none' : 'read_only_restored';
}

const STORAGE_EVENTS = { read_only: 'database_read_only', read_only_restored: 'read_only_restored', locked: 'database_locked' } as const;

/** Measures only serve's own unclaimed databases, one at a time: one failure skips one. */
async function limitStorage(client: Queryable, on: OnServer, options: SweepOptions): Promise<string[]> {
  const limited: string[] = [];
  for (const row of await listUnclaimed(client)) {
    try {
      const cluster = await on.session(row.server);
      const action = await storageAction(cluster, row, options.storageLimitBytes);
      if (action === 'none' || !(await holdReadOnly(client, cluster, row, action === 'locked'))) continue;
      limited.push(row.id);
      options.log({ level: 'info', event: STORAGE_EVENTS[action], id: row.id, limitBytes: options.storageLimitBytes });
    } catch (error) {
      options.log({ level: 'error', event: 'storage_check_failed', id: row.id, name: row.name, error: message(error) });
    }
  }
  return limited;
}

async function keepConnectionLimits(client: Queryable, on: OnServer, options: SweepOptions): Promise<void> {
  const roles = await liveRoles(client);
  for (const server of options.servers.all) {
    const names = roles.filter((role) => options.servers.of(role.server) === server).map((role) => role.name);
    if (names.length === 0) continue;
    try {
      const cluster = await on.session(server.key);
      for (const name of await rolesWithOtherLimit(cluster, names, options.connectionsPerDatabase)) {
        await cluster.query(`ALTER ROLE ${ident(name)} CONNECTION LIMIT ${options.connectionsPerDatabase}`).catch((error: unknown) =>
          options.log({ level: 'error', event: 'connection_limit_failed', name, error: message(error) }),
        );
      }
    } catch (error) {
      options.log({ level: 'error', event: 'connection_limit_failed', server: server.key, error: message(error) });
    }
  }
}

/**
 * One sweep, unless another process is sweeping.
 *
 * @example
 * const report = await sweepOnce(pool, options);
 */
export async function sweepOnce(pool: pg.Pool, options: SweepOptions): Promise<SweepReport> {
  const report = await withLease(pool, 'sweep', async () => {
    const client = await pool.connect();
    const on = onServers(client, options.servers);
    try {
      const dropped = await dropExpired(client, on, options);
      const madeReadOnly = await limitStorage(client, on, options);
      await keepConnectionLimits(client, on, options);
      if (options.rateLimitPeriodMs !== undefined) await pruneRateWindows(client, options.rateLimitPeriodMs);
      return { ran: true, dropped, madeReadOnly };
    } finally {
      on.release();
      client.release();
    }
  });
  return report ?? { ran: false, dropped: [], madeReadOnly: [] };
}

/**
 * Sweeps now, then `intervalMs` after each sweep ends; `stop` waits for one in progress.
 *
 * @example
 * const sweeper = startSweeper(pool, 30_000, options); await sweeper.stop();
 */
export function startSweeper(pool: pg.Pool, intervalMs: number, options: SweepOptions): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = sweepOnce(pool, options)
      .then(
        () => {},
        (error: unknown) => options.log({ level: 'error', event: 'sweep_failed', error: message(error) }),
      )
      .then(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
