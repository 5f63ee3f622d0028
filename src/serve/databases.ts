/** Making and claiming databases: the state rows and the cluster kept in step. */
import type pg from 'pg';
import { createRoleAndDatabase, dropRoleAndDatabase, setReadOnly } from './cluster.js';
import { newDatabaseName, newPassword, uuidv7 } from './ids.js';
import { deleteRecord, findLive, insertPending, lockClaimable, markClaimed, markUnclaimed, type DatabaseRecord } from './store.js';

export interface CreateRequest {
  referrer: string;
  logicalReplication: boolean;
  ttlMs: number;
}

/**
 * Row first (PENDING), then role and database, then UNCLAIMED: whatever dies part-way
 * leaves a row that says what to clean up. One pooled session for all of it, so under
 * load a create that has started finishes before later ones (the pool queues sessions
 * first come, first served) instead of every create finishing last.
 */
export async function createClaimable(pool: pg.Pool, request: CreateRequest): Promise<DatabaseRecord> {
  const id = uuidv7();
  const name = newDatabaseName();
  const password = newPassword();
  const session = await pool.connect();
  try {
    await insertPending(session, { id, name, password, referrer: request.referrer, logicalReplication: request.logicalReplication });
    try {
      await createRoleAndDatabase(session, name, password);
      return await markUnclaimed(session, id, request.ttlMs);
    } catch (error) {
      await dropRoleAndDatabase(session, name)
        .then(() => deleteRecord(session, id))
        .catch(() => {}); // the reaper retries what is left
      throw error;
    }
  } finally {
    session.release();
  }
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
