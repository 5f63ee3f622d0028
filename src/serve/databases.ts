/** Making and claiming databases: the state rows and the cluster kept in step. */
import type pg from 'pg';
import { GetDbError } from '../errors.js';
import { createRoleAndDatabase, dropRoleAndDatabase, setReadOnly, type InDatabase } from './postgres/cluster.js';
import { newDatabaseName, newPassword, uuidv7 } from './ids.js';
import { asUnavailable, isUnavailable } from './unavailable.js';
import { AtCapacity, deleteRecord, findLive, insertPending, lockClaimable, markClaimed, markReady, markUnclaimed, type DatabaseRecord, type Queryable } from './state/store.js';

/** How much of the cluster tenants may use (see `tenantLimits` in options). */
export interface TenantLimits {
  /** CONNECTION LIMIT of each role serve makes. */
  connectionsPerDatabase: number;
  /** Live databases at most: their roles' limits add up to the total tenants may hold. */
  maxDatabases: number;
}

/** Without a configured server: PostgreSQL's stock 100 connections, 20 kept for serve. */
export const DEFAULT_TENANT_LIMITS: TenantLimits = { connectionsPerDatabase: 5, maxDatabases: 16 };

// A role seconds old has made nothing in other databases; if it somehow has, the reaper does that part.
const NOWHERE_ELSE: InDatabase = async (database) => {
  throw new Error(`left for the reaper: objects in ${database}`);
};

export interface CreateRequest {
  referrer: string;
  logicalReplication: boolean;
  ttlMs: number;
}

/**
 * Row first (PENDING), then role and database, then `finish` (UNCLAIMED, or READY for the
 * warm pool): whatever dies part-way leaves a row that says what to clean up. One pooled
 * session for all of it, so under load a create that has started finishes before later
 * ones (the pool queues sessions first come, first served) instead of every create
 * finishing last. Fails with a GetDbError SERVE_UNAVAILABLE when PostgreSQL is away or
 * the server is at `limits.maxDatabases`.
 *
 * @example
 * const record = await makeDatabase(pool, { referrer: 'my-app', logicalReplication: false }, limits, true, (s, id) => markUnclaimed(s, id, ttlMs));
 */
export async function makeDatabase<T>(
  pool: pg.Pool,
  request: Omit<CreateRequest, 'ttlMs'>,
  limits: TenantLimits,
  login: boolean,
  finish: (session: Queryable, id: string) => Promise<T>,
): Promise<T> {
  const id = uuidv7();
  const name = newDatabaseName();
  const password = newPassword();
  let session: pg.PoolClient | undefined;
  let broken: Error | undefined;
  try {
    session = await pool.connect();
    await insertPending(session, { id, name, password, referrer: request.referrer, logicalReplication: request.logicalReplication }, limits.maxDatabases);
    try {
      await createRoleAndDatabase(session, name, password, { connectionLimit: limits.connectionsPerDatabase, login });
      return await finish(session, id);
    } catch (error) {
      await dropRoleAndDatabase(session, name, NOWHERE_ELSE)
        .then(() => deleteRecord(session!, id))
        .catch(() => {}); // the reaper retries what is left
      throw error;
    }
  } catch (error) {
    if (isUnavailable(error)) broken = error as Error;
    if (error instanceof AtCapacity) {
      throw new GetDbError('SERVE_UNAVAILABLE', 'This server has no room for another database right now.', {
        hint: 'Unclaimed databases expire and free their place; try again later.',
        details: { reason: 'capacity', maxDatabases: limits.maxDatabases },
      });
    }
    throw asUnavailable(error);
  } finally {
    // A session that failed mid-create may be the one PostgreSQL dropped: do not reuse it.
    session?.release(broken);
  }
}

/**
 * A database on demand, UNCLAIMED for `ttlMs` from when it is ready.
 *
 * @example
 * const record = await createClaimable(pool, { referrer: 'my-app', logicalReplication: false, ttlMs: 72 * 3600_000 }, limits);
 */
export function createClaimable(pool: pg.Pool, request: CreateRequest, limits: TenantLimits = DEFAULT_TENANT_LIMITS): Promise<DatabaseRecord> {
  return makeDatabase(pool, request, limits, true, (session, id) => markUnclaimed(session, id, request.ttlMs));
}

/**
 * One warm-pool database: role without login, database, READY. Its password is in the
 * state only; nobody has seen it.
 *
 * @example
 * await makeReady(pool, limits);
 */
export async function makeReady(pool: pg.Pool, limits: TenantLimits): Promise<void> {
  await makeDatabase(pool, { referrer: '', logicalReplication: false }, limits, false, markReady);
}

export type ClaimResult =
  | { outcome: 'claimed'; record: DatabaseRecord; password: string }
  | { outcome: 'already-claimed'; record: DatabaseRecord }
  | { outcome: 'not-found' };

/**
 * One transaction: lift the storage limit, mark it claimed, forget the password. The
 * row lock makes a reaper or a second claim wait, and then find nothing to do. When
 * there is nothing to claim, the row is looked up only once the session is back in the
 * pool: waiting for a second session while holding one is how a dozen concurrent claims
 * once took every session and stalled the server.
 */
export async function claimDatabase(pool: pg.Pool, id: string): Promise<ClaimResult> {
  const claimed = await claimInTransaction(pool, id);
  if (claimed) return claimed;
  const live = await findLive(pool, id);
  return live?.state === 'CLAIMED' ? { outcome: 'already-claimed', record: live } : { outcome: 'not-found' };
}

async function claimInTransaction(pool: pg.Pool, id: string): Promise<ClaimResult | undefined> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const record = await lockClaimable(client, id);
    if (!record || record.password === null) {
      await client.query('ROLLBACK');
      return undefined;
    }
    if (record.readOnly) await setReadOnly(client, record.name, false);
    const claimed = await markClaimed(client, id);
    await client.query('COMMIT');
    return { outcome: 'claimed', record: claimed, password: record.password };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
