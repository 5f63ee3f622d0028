/**
 * The guard: what tenants take outside their databases' files, bounded. Run by every sweep,
 * and at once when a server's heartbeat (watchdog.ts) shows pressure, by whichever serve
 * process sees it (one at a time: the `guard` lease).
 * - Connection slots: tenant sessions past the server's `tenantConnections` are ended, newest first.
 * - The NOTIFY queue past the storage limit: the tenant sessions in a transaction open since
 *   before the heartbeat first saw it filling (a listener reads only between transactions,
 *   so one of them holds it back) are ended, and their databases locked.
 * - The shared catalogs: a database keeping over CATALOG_BYTES in settings and comments is
 *   locked; growth past the storage limit without such a value (set and reset in a loop)
 *   locks the tenants the heartbeat saw changing them in the last RECENT_WRITE_S (still
 *   connected or not: a short session may be gone).
 * Locking applies to unclaimed databases (walls.ts); a claimed one's sessions are ended and
 * the event logged for the operator.
 */
import type pg from 'pg';
import type { Log } from '../log.js';
import { endRoleSessions } from '../postgres/tenant-sessions.js';
import { catalogBytes, endQueueHolders, trimTenantSessions } from '../postgres/pressure.js';
import type { Server, Servers } from '../postgres/servers.js';
import type { Beat } from '../postgres/watchdog.js';
import { withLease } from '../state/state-schema.js';
import { listUnclaimed, liveRoles, type Queryable } from '../state/store.js';
import { onServers, renewingSession, type OnServers, type RenewingSession } from './sessions.js';
import { holdReadOnly } from './storage.js';
import { lockHolds } from '../postgres/walls.js';

/** What one database may keep in the shared catalogs: real settings and comments are bytes, not kilobytes. */
export const CATALOG_BYTES = 64 * 1024;
/** A statement the heartbeat saw this recently counts as one that grew the catalogs. */
const RECENT_WRITE_S = 10;

export interface GuardOptions {
  servers: Servers;
  /** The storage limit: also what the NOTIFY queue, and the shared catalogs' growth, may reach. */
  storageLimitBytes: number;
  log: Log;
}

interface Watch {
  /** The first beat that found the NOTIFY queue filling (after one that found it near empty). */
  fillingSince: Date | undefined;
  /** The shared catalogs' size the guard last accepted. */
  catalogBaseline: number | undefined;
  /** The queue's growth is being handled: log it once. */
  notifyLogged: boolean;
  /** Databases over CATALOG_BYTES already reported (a claimed one stays so until its owner resets it). */
  heavyReported: Set<string>;
  /** Tenants the heartbeat saw changing the shared catalogs, and when (ms). */
  writersSeen: Map<string, number>;
}

export interface Guard {
  /** A server's heartbeat: act at once on pressure. */
  beat(server: Server, reading: Beat): void;
  /** Everything, on every server that answers (the sweep's step). */
  sweep(state: Queryable, on: OnServers): Promise<void>;
  stop(): Promise<void>;
}

/** Locks the unclaimed ones among `names` not locked yet (and ends the claimed ones' sessions); returns those locked now. */
async function lockAll(state: Queryable, cluster: Queryable, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const unclaimed = new Map((await listUnclaimed(state)).map((row) => [row.name, row]));
  const locked: string[] = [];
  for (const name of new Set(names)) {
    const row = unclaimed.get(name);
    if (!row) await endRoleSessions(cluster, name);
    else if (!(await lockHolds(cluster, name)) && (await holdReadOnly(state, cluster, row, true))) locked.push(name);
  }
  return locked;
}

/**
 * @example
 * const guard = createGuard(pools.admin, { servers, storageLimitBytes, log });
 */
export function createGuard(statePool: pg.Pool, options: GuardOptions): Guard {
  const { log, storageLimitBytes: limit } = options;
  const watches = new Map<Server, Watch>();
  const watchOf = (server: Server) => {
    if (!watches.has(server)) watches.set(server, { fillingSince: undefined, catalogBaseline: undefined, notifyLogged: false, heavyReported: new Set(), writersSeen: new Map() });
    return watches.get(server)!;
  };

  const notifyQueue = async (server: Server, state: Queryable, cluster: Queryable) => {
    const watch = watchOf(server);
    const bytes = server.beat?.notifyBytes ?? 0;
    if (bytes <= limit) return void (watch.notifyLogged = false);
    // Its holder's transaction began before the queue was seen filling: a listener reads only between transactions.
    const holders = await endQueueHolders(cluster, watch.fillingSince ?? new Date());
    const locked = await lockAll(state, cluster, holders);
    if (holders.length > 0 || !watch.notifyLogged) log({ level: 'warn', event: 'notify_queue_full', server: server.key, bytes, limitBytes: limit, ended: holders, locked });
    watch.notifyLogged = true;
  };

  const sharedCatalogs = async (server: Server, state: Queryable, cluster: Queryable) => {
    const watch = watchOf(server);
    const names = (await liveRoles(state)).filter((role) => options.servers.of(role.server) === server).map((role) => role.name);
    const heavy = (await catalogBytes(cluster, names, CATALOG_BYTES)).filter((entry) => !watch.heavyReported.has(entry.name));
    for (const entry of heavy) watch.heavyReported.add(entry.name);
    const grown = (server.beat?.sharedCatalogBytes ?? 0) - (watch.catalogBaseline ?? Infinity);
    const writers = heavy.length === 0 && grown > limit ? [...watch.writersSeen.keys()] : [];
    const offenders = [...heavy.map((entry) => entry.name), ...writers];
    if (offenders.length === 0 && grown <= limit) return;
    const locked = await lockAll(state, cluster, offenders);
    log({ level: 'warn', event: 'shared_catalog_growth', server: server.key, grownBytes: Math.max(0, grown), heavy, writers, locked });
    watch.catalogBaseline = server.beat?.sharedCatalogBytes; // what is already there cannot be taken back
  };

  const connections = async (server: Server, cluster: Queryable) => {
    const ended = await trimTenantSessions(cluster, server.limits.tenantConnections);
    if (ended > 0) log({ level: 'warn', event: 'tenant_connections_trimmed', server: server.key, ended, maxTenantConnections: server.limits.tenantConnections });
  };

  /** Each check on its own: one that fails is logged, the others still run. */
  const guardServer = async (server: Server, state: Queryable, cluster: Queryable) => {
    const checks: Array<[string, () => Promise<void>]> = [
      ['connections', () => connections(server, cluster)],
      ['notify_queue', () => notifyQueue(server, state, cluster)],
      ['shared_catalogs', () => sharedCatalogs(server, state, cluster)],
    ];
    for (const [check, run] of checks) {
      await run().catch((error: unknown) => log({ level: 'error', event: 'guard_failed', server: server.key, check, error: (error as Error).message }));
    }
  };

  const running = new Map<Server, Promise<void>>();
  const soon = (server: Server) => {
    if (running.has(server)) return;
    const state: RenewingSession = renewingSession(statePool);
    const on = onServers(state, options.servers);
    const work = withLease(statePool, 'guard', () => guardServer(server, state, on.session(server.key)))
      .catch((error: unknown) => log({ level: 'error', event: 'guard_failed', server: server.key, error: (error as Error).message }))
      .finally(() => {
        on.release();
        state.release();
        running.delete(server);
      });
    running.set(server, work.then(() => {}));
  };

  return {
    beat(server, reading) {
      const watch = watchOf(server);
      if (reading.notifyBytes <= limit / 8) watch.fillingSince = undefined;
      else watch.fillingSince ??= new Date();
      watch.catalogBaseline ??= reading.sharedCatalogBytes;
      const now = Date.now();
      for (const role of reading.catalogWriters) watch.writersSeen.set(role, now);
      for (const [role, seen] of watch.writersSeen) if (now - seen > RECENT_WRITE_S * 1000) watch.writersSeen.delete(role);
      if (reading.notifyBytes > limit || reading.sharedCatalogBytes - watch.catalogBaseline > limit) soon(server);
    },
    async sweep(state, on) {
      await withLease(statePool, 'guard', async () => {
        for (const server of options.servers.healthy()) await guardServer(server, state, on.session(server.key));
      });
    },
    async stop() {
      await Promise.all(running.values());
    },
  };
}
