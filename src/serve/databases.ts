/** Making and claiming databases: the state rows and the cluster kept in step. */
import type pg from 'pg';
import { GetDbError } from '../errors.js';
import { actFor, createRoleAndDatabase, dropRoleAndDatabase, setReadOnly, type InDatabase } from './postgres/cluster.js';
import { endRoleSessions } from './postgres/tenant-sessions.js';
import { newDatabaseName, newPassword, uuidv7 } from './ids.js';
import { asUnavailable, isUnavailable, unreachable } from './unavailable.js';
import { atMaxDatabases, noSlotLeft, roomOnDisk, takeDisk, underDiskFloor } from './capacity.js';
import type { Server, Servers } from './postgres/servers.js';
import { markReady } from './state/pool-rows.js';
import { AtCapacity, deleteRecord, findLive, insertPending, markDeleting, lockClaimable, markClaimed, markUnclaimed, roomToClaim, type DatabaseRecord, type Queryable } from './state/store.js';

/** What each server lets tenants have (from the options, and its own max_connections). */
export interface TenantLimits {
  /** CONNECTION LIMIT of each role serve makes. */
  connectionsPerDatabase: number;
  /** Live databases (READY included) at most: --max-databases. */
  maxDatabases: number;
  /** Sessions all tenants together may hold; the sweeper ends the newest past it. */
  tenantConnections: number;
  /** Creates stop while the server's free disk is under this: --min-free-disk. */
  minFreeDiskBytes: number;
}

// A role seconds old has made nothing in other databases; if it somehow has, the reaper does that part.
const NOWHERE_ELSE: InDatabase = async (database) => {
  throw new Error(`left for the reaper: objects in ${database}`);
};

export interface CreateRequest {
  referrer: string;
  logicalReplication: boolean;
  ttlMs: number;
}

/** A PENDING row whose create failed: dropped now if possible, else left to the reaper. */
async function undo(state: Queryable, cluster: Queryable, id: string, name: string): Promise<void> {
  try {
    await dropRoleAndDatabase(cluster, name, NOWHERE_ELSE);
    await deleteRecord(state, id);
  } catch {
    await markDeleting(state, id).catch(() => {}); // the reaper retries what is left
  }
}


/**
 * One attempt on the server `insertPending` picks. `undefined` when that server failed to
 * answer (it is marked down; the caller tries another).
 */
async function attempt<T>(state: pg.PoolClient, servers: Servers, candidates: Server[], request: Omit<CreateRequest, 'ttlMs'>, login: boolean, finish: (session: Queryable, id: string) => Promise<T>): Promise<{ done: T } | { skip: Server }> {
  const id = uuidv7();
  const name = newDatabaseName();
  const password = newPassword();
  const key = await insertPending(state, { id, name, password, ...request }, candidates.map((server) => ({ key: server.key, maxDatabases: server.limits.maxDatabases })));
  const server = servers.of(key)!;
  let cluster: pg.PoolClient | undefined;
  let broken: Error | undefined;
  try {
    takeDisk(server);
    cluster = server.holdsState ? state : await server.pool.connect();
    await createRoleAndDatabase(cluster, name, password, { connectionLimit: server.limits.connectionsPerDatabase, login });
    return { done: await finish(state, id) };
  } catch (error) {
    if (isUnavailable(error)) broken = error as Error;
    if (cluster) await undo(state, cluster, id, name);
    else await markDeleting(state, id).catch(() => {});
    const noSlot = noSlotLeft(error, server.key);
    if (noSlot) throw noSlot;
    if (server.holdsState || !isUnavailable(error)) throw error;
    servers.markDown(server, error);
    return { skip: server };
  } finally {
    if (cluster !== state) cluster?.release(broken);
  }
}

/**
 * Row first (PENDING, on the healthy server with the fewest live databases and room),
 * then role and database there, then `finish` (UNCLAIMED, or READY for the warm pool):
 * whatever dies part-way leaves a row that says what to clean up. A server that fails to
 * answer is marked down and the create goes to the next, so the client sees no error.
 * One state session for all of it, so under load a create that has started finishes
 * before later ones (the pool queues sessions first come, first served). Fails with a
 * GetDbError SERVE_UNAVAILABLE when the state's PostgreSQL is away, or every server is
 * down or full.
 *
 * @example
 * const record = await makeDatabase(servers, { referrer: 'my-app', logicalReplication: false }, true, (s, id) => markUnclaimed(s, id, ttlMs));
 */
export async function makeDatabase<T>(servers: Servers, request: Omit<CreateRequest, 'ttlMs'>, login: boolean, finish: (session: Queryable, id: string) => Promise<T>): Promise<T> {
  const first = servers.all[0]!;
  let state: pg.PoolClient | undefined;
  let broken: Error | undefined;
  let candidates = servers.healthy();
  try {
    if (!first.up) throw unreachable(new Error(`${first.key}, which holds serve's state, is not answering`));
    const roomy = candidates.filter(roomOnDisk);
    if (roomy.length === 0 && candidates.length > 0) throw underDiskFloor(candidates);
    candidates = roomy;
    state = await first.pool.connect();
    while (candidates.length > 0) {
      const result = await attempt(state, servers, candidates, request, login, finish);
      if ('done' in result) return result.done;
      candidates = candidates.filter((server) => server !== result.skip && server.up);
    }
    throw new GetDbError('SERVE_UNAVAILABLE', 'No PostgreSQL server is answering right now.', { hint: 'Try again in a few seconds.' });
  } catch (error) {
    if (isUnavailable(error)) broken = error as Error;
    if (error instanceof AtCapacity) throw atMaxDatabases(candidates);
    throw noSlotLeft(error, first.key) ?? asUnavailable(error);
  } finally {
    // A session that failed mid-create may be the one PostgreSQL dropped: do not reuse it.
    state?.release(broken);
  }
}

/**
 * A database on demand, UNCLAIMED for `ttlMs` from when it is ready.
 *
 * @example
 * const record = await createClaimable(servers, { referrer: 'my-app', logicalReplication: false, ttlMs: 72 * 3600_000 });
 */
export function createClaimable(servers: Servers, request: CreateRequest): Promise<DatabaseRecord> {
  const { ttlMs, ...made } = request;
  return makeDatabase(servers, made, true, (session, id) => markUnclaimed(session, id, ttlMs));
}

/**
 * One warm-pool database: role without login, database, READY. Its password is in the
 * state only; nobody has seen it.
 *
 * @example
 * await makeReady(servers);
 */
export async function makeReady(servers: Servers): Promise<void> {
  await makeDatabase(servers, { referrer: '', logicalReplication: false }, false, markReady);
}

/**
 * What a claim means on a self-hosted server: the database is kept past --ttl, without the
 * storage limit, for `ttlMs` (--claimed-ttl; undefined: until an operator drops it) — and
 * each PostgreSQL server keeps at most `maxPerServer` claimed databases (--max-claimed), so
 * anonymous claims cannot take a server over: past that a claim is refused and the database
 * stays unclaimed, expiring as usual.
 */
export interface ClaimPolicy {
  maxPerServer: number;
  ttlMs: number | undefined;
}

export type ClaimResult =
  | { outcome: 'claimed'; record: DatabaseRecord; password: string }
  | { outcome: 'already-claimed'; record: DatabaseRecord }
  | { outcome: 'full'; record: DatabaseRecord }
  | { outcome: 'not-found' };

/**
 * One transaction: check the server's room for claimed databases, lift the storage limit,
 * mark it claimed, forget the password. The row lock makes a reaper or a second claim
 * wait, and then find nothing to do. When
 * there is nothing to claim, the row is looked up only once the session is back in the
 * pool: waiting for a second session while holding one is how a dozen concurrent claims
 * once took every session and stalled the server.
 */
export async function claimDatabase(servers: Servers, id: string, policy: ClaimPolicy): Promise<ClaimResult> {
  const claimed = await claimInTransaction(servers, id, policy);
  if (claimed) return claimed;
  const live = await findLive(servers.all[0]!.pool, id);
  return live?.state === 'CLAIMED' ? { outcome: 'already-claimed', record: live } : { outcome: 'not-found' };
}

/**
 * Its sessions end first: they began read-only and would stay so, and one left in a
 * transaction that changed the same settings would hold up the claim.
 */
async function liftReadOnly(cluster: Queryable, name: string): Promise<void> {
  await actFor(cluster, name);
  await endRoleSessions(cluster, name);
  await setReadOnly(cluster, name, false);
}

async function claimInTransaction(servers: Servers, id: string, policy: ClaimPolicy): Promise<ClaimResult | undefined> {
  const client = await servers.all[0]!.pool.connect();
  try {
    await client.query('BEGIN');
    const record = await lockClaimable(client, id);
    if (!record || record.password === null) {
      await client.query('ROLLBACK');
      return undefined;
    }
    const server = servers.of(record.server);
    if (!server) throw new Error(`database ${id} is on ${record.server}, which is not among the --postgres-url servers`);
    if (!(await roomToClaim(client, record.server, policy.maxPerServer))) {
      await client.query('ROLLBACK');
      return { outcome: 'full', record };
    }
    if (record.readOnly) await liftReadOnly(server.holdsState ? client : server.pool, record.name);
    const claimed = await markClaimed(client, id, policy.ttlMs);
    await client.query('COMMIT');
    return { outcome: 'claimed', record: claimed, password: record.password };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
