/**
 * The storage limit on unclaimed databases: read-only over it (again, if the owner lifted
 * it); past twice it — which only a session that switched read-only off can reach, its
 * owner's or a neighbour's the owner let in — locked (walls.ts) until claimed.
 */
import { databaseSize, readOnlyHolds, setReadOnly } from '../postgres/cluster.js';
import { endRoleSessions, endSessions } from '../postgres/tenant-sessions.js';
import { endEverySession, lockDatabase, lockHolds } from '../postgres/walls.js';
import { listUnclaimed, markReadOnly, type Queryable } from '../state/store.js';
import type { OnServers } from './sessions.js';
import type { SweepOptions } from './sweeper.js';

type StorageAction = 'none' | 'read_only' | 'read_only_restored' | 'locked';

const STORAGE_EVENTS = { read_only: 'database_read_only', read_only_restored: 'read_only_restored', locked: 'database_locked' } as const;

/**
 * Read-only in place (again, if the owner lifted it) — and with `lock`, locked until
 * claimed — then the sessions that began writable are ended. Its role's sessions end first:
 * one left in a transaction that changed the same settings would hold this up. False when
 * a claim came first.
 *
 * @example
 * await holdReadOnly(state, cluster, row, true);
 */
export async function holdReadOnly(client: Queryable, cluster: Queryable, row: { id: string; name: string }, lock: boolean): Promise<boolean> {
  await endRoleSessions(cluster, row.name);
  await client.query('BEGIN');
  try {
    const stillUnclaimed = await markReadOnly(client, row.id);
    if (stillUnclaimed) await setReadOnly(cluster, row.name, true);
    if (stillUnclaimed && lock) await lockDatabase(cluster, row.name);
    await client.query('COMMIT');
    if (!stillUnclaimed) return false;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  await (lock ? endEverySession(cluster, row.name) : endSessions(cluster, row.name));
  return true;
}

/** What a database needs now: nothing, read-only (again), or locked. */
async function storageAction(cluster: Queryable, row: { name: string; readOnly: boolean }, limitBytes: number): Promise<StorageAction> {
  const size = await databaseSize(cluster, row.name);
  if (size > 2 * limitBytes && !(await lockHolds(cluster, row.name))) return 'locked';
  if (!row.readOnly) return size > limitBytes ? 'read_only' : 'none';
  return (await readOnlyHolds(cluster, row.name)) ? 'none' : 'read_only_restored';
}

/**
 * Measures only serve's own unclaimed databases, one at a time: one failure skips one.
 *
 * @example
 * const limited = await limitStorage(state, on, options);
 */
export async function limitStorage(client: Queryable, on: OnServers, options: SweepOptions): Promise<string[]> {
  const limited: string[] = [];
  for (const row of await listUnclaimed(client)) {
    try {
      if (!on.server(row.server).up) continue; // measured again once its server answers
      const cluster = on.session(row.server);
      const action = await storageAction(cluster, row, options.storageLimitBytes);
      if (action === 'none' || !(await holdReadOnly(client, cluster, row, action === 'locked'))) continue;
      limited.push(row.id);
      options.log({ level: 'info', event: STORAGE_EVENTS[action], id: row.id, limitBytes: options.storageLimitBytes });
    } catch (error) {
      options.log({ level: 'error', event: 'storage_check_failed', id: row.id, name: row.name, error: (error as Error).message });
    }
  }
  return limited;
}
