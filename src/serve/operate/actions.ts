/**
 * What an operator does to one database: drop it, or move its expiry. Each change is a
 * conditional UPDATE on its row, like everything else that races in serve, so a claim,
 * the reaper or another operator in between makes it fail cleanly, never half-done.
 */
import { GetDbError } from '../../errors.js';
import { dropRoleAndDatabase } from '../postgres/cluster.js';
import { isUuid } from '../ids.js';
import { COLUMNS, deleteRecord, TABLE, type DatabaseRecord, type Queryable } from '../state/store.js';
import type { ClusterAccess, Clusters } from './clusters.js';

/**
 * A row by its id (as the API and the claim link show it) or its name (as PostgreSQL,
 * `pg_stat_activity` and the connection string show it).
 *
 * @example
 * const record = await findDatabase(pool, 'gdb_0123456789abcdef01234567');
 */
export async function findDatabase(state: Queryable, ref: string): Promise<DatabaseRecord> {
  const trimmed = ref.trim();
  const { rows } = isUuid(trimmed)
    ? await state.query<DatabaseRecord>(`SELECT ${COLUMNS} FROM ${TABLE} WHERE id = $1`, [trimmed.toLowerCase()])
    : await state.query<DatabaseRecord>(`SELECT ${COLUMNS} FROM ${TABLE} WHERE name = $1`, [trimmed]);
  if (!rows[0]) throw new GetDbError('NOT_FOUND', `No database ${trimmed} in this serve's state.`, { hint: 'List them with: get-db serve list' });
  return rows[0];
}

export interface Dropped {
  id: string;
  name: string;
  /** `dropped`: gone now; `marked`: marked for deletion, the reaper of a running serve finishes it. */
  outcome: 'dropped' | 'marked';
  /** With `marked`: why it could not be dropped here and now. */
  reason?: string;
}

/**
 * Marks it DELETING (from then on the API answers "not found" and its login is refused at
 * the next step), then drops its database and role on its server, as the reaper would.
 * A claimed database needs `force`; one still being created is refused.
 *
 * @example
 * const result = await dropDatabase(pool, clusters, id, { force: false });
 */
export async function dropDatabase(state: Queryable, clusters: Clusters, ref: string, options: { force: boolean }): Promise<Dropped> {
  const record = await findDatabase(state, ref);
  if (record.state === 'CLAIMED' && !options.force) {
    throw new GetDbError('USAGE', `${record.name} is claimed: someone asked to keep it.`, { hint: 'Drop it anyway with --force.' });
  }
  if (record.state === 'PENDING') throw new GetDbError('USAGE', `${record.name} is being created right now.`, { hint: 'Try again in a few seconds.' });
  const { rowCount } = await state.query(`UPDATE ${TABLE} SET state = 'DELETING', updated_at = now() WHERE id = $1 AND state = $2`, [record.id, record.state]);
  if (rowCount !== 1) throw new GetDbError('USAGE', `${record.name} changed while it was being dropped (claimed, or reaped).`, { hint: 'Look again with get-db serve list, and run the drop again.' });
  const base = { id: record.id, name: record.name };
  const cluster = clusters(record.server);
  if (!cluster) return { ...base, outcome: 'marked', reason: `its server ${record.server} is not among the --postgres-url servers given` };
  const failed = await dropNow(state, cluster, record);
  return failed === undefined ? { ...base, outcome: 'dropped' } : { ...base, outcome: 'marked', reason: failed };
}

const rowExists = async (state: Queryable, id: string) => (await state.query(`SELECT 1 FROM ${TABLE} WHERE id = $1`, [id])).rows.length > 0;

/**
 * Drops role and database, then the row; undefined when done, else why not. A reaper that
 * takes the DELETING row at the same moment makes one side's step fail on what the other
 * just dropped: once the row is gone the reaper has finished; while it is there, one more
 * (idempotent) attempt finishes it.
 */
async function dropNow(state: Queryable, cluster: ClusterAccess, record: DatabaseRecord): Promise<string | undefined> {
  let why: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt > 0 && !(await rowExists(state, record.id))) return undefined;
    try {
      await dropRoleAndDatabase(cluster.db, record.name, cluster.inDatabase);
      await deleteRecord(state, record.id);
      return undefined;
    } catch (error) {
      why = (error as Error).message;
    }
  }
  return why;
}

/**
 * Its expiry set to `inMs` from now (longer or shorter than it was), or removed
 * (`undefined`, claimed databases only: an unclaimed one always expires). One set in the
 * past, or now, is dropped by the reaper's next sweep.
 *
 * @example
 * const record = await setExpiry(pool, id, 7 * 86_400_000);
 */
export async function setExpiry(state: Queryable, ref: string, inMs: number | undefined): Promise<DatabaseRecord> {
  const record = await findDatabase(state, ref);
  if (record.state !== 'UNCLAIMED' && record.state !== 'CLAIMED') {
    throw new GetDbError('USAGE', `${record.name} is ${record.state}: only unclaimed and claimed databases have an expiry.`);
  }
  if (inMs === undefined && record.state === 'UNCLAIMED') {
    throw new GetDbError('USAGE', `${record.name} is unclaimed: it always expires.`, { hint: 'Give a duration (e.g. 30d), or claim it to keep it.' });
  }
  const { rows } = await state.query<DatabaseRecord>(
    `UPDATE ${TABLE} SET expires_at = now() + $3::float8 * interval '1 millisecond', updated_at = now()
     WHERE id = $1 AND state = $2 RETURNING ${COLUMNS}`,
    [record.id, record.state, inMs ?? null],
  );
  if (!rows[0]) throw new GetDbError('USAGE', `${record.name} changed meanwhile (claimed, or reaped).`, { hint: 'Look again with get-db serve list.' });
  return rows[0];
}
