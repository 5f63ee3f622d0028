/**
 * The state queries. Every change that races with another process (claim vs. reaper,
 * two reapers) is a conditional UPDATE on the row, so row locks decide, not timing.
 */
import type pg from 'pg';
import { SCHEMA } from './state-schema.js';

export type Queryable = Pick<pg.ClientBase, 'query'>;

export type RecordState = 'PENDING' | 'READY' | 'UNCLAIMED' | 'CLAIMED' | 'DELETING';

export interface DatabaseRecord {
  id: string;
  state: RecordState;
  /** The role's and the database's name. */
  name: string;
  /** Null once claimed: the credentials are shown once, on the claim page. */
  password: string | null;
  referrer: string;
  logicalReplication: boolean;
  readOnly: boolean;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  claimedAt: Date | null;
  /** The PostgreSQL server it lives on (its host:port); null: the first (rows from before several servers). */
  server: string | null;
}

export const TABLE = `${SCHEMA}.databases`;
export const COLUMNS = `id::text, state, name, password, referrer, logical_replication AS "logicalReplication",
  read_only AS "readOnly", created_at AS "createdAt", updated_at AS "updatedAt", expires_at AS "expiresAt", claimed_at AS "claimedAt", server`;
/** A create that has not finished in this long died with its process, whatever pg_stat_activity says. */
const PENDING_GIVE_UP = `interval '10 minutes'`;

export interface NewRecord {
  id: string;
  name: string;
  password: string;
  referrer: string;
  logicalReplication: boolean;
}

/** Live roles (and so tenant connections) are capped: see `insertPending`. */
export class AtCapacity extends Error {}

/** A server a create may go to, and how many databases it may hold. */
export interface Candidate {
  key: string;
  maxDatabases: number;
}

/**
 * The candidate with the fewest live databases (READY ones included) and room for one
 * more; earlier candidates win ties. Pure.
 *
 * @example
 * pickServer([{ key: 'a:5432', maxDatabases: 10 }, { key: 'b:5432', maxDatabases: 10 }], new Map([['a:5432', 3]])); // 'b:5432'
 */
export function pickServer(candidates: Candidate[], live: Map<string, number>): string | undefined {
  let best: { key: string; count: number } | undefined;
  for (const candidate of candidates) {
    const count = live.get(candidate.key) ?? 0;
    if (count < candidate.maxDatabases && (!best || count < best.count)) best = { key: candidate.key, count };
  }
  return best?.key;
}

/**
 * Recorded before the role exists, so a crash mid-create leaves a row the reaper cleans
 * up; with the creating session's pid and start, so the reaper knows at once when that
 * session (and so the create) is gone. Under the `create` lease, so two processes cannot
 * both take a server's last place. Returns the server chosen (`pickServer`).
 *
 * @example
 * const server = await insertPending(session, { id, name, password, referrer: 'my-app', logicalReplication: false }, [{ key: 'db:5432', maxDatabases: 16 }]);
 */
export async function insertPending(db: Queryable, record: NewRecord, candidates: Candidate[]): Promise<string> {
  await db.query('BEGIN');
  try {
    await db.query(`SELECT name FROM ${SCHEMA}.leases WHERE name = 'create' FOR UPDATE`);
    // Every row is a database on the server until its drop is done, DELETING ones included.
    const { rows } = await db.query<{ server: string; n: number }>(`SELECT server, count(*)::int AS n FROM ${TABLE} GROUP BY server`);
    const server = pickServer(candidates, new Map(rows.map((row) => [row.server, row.n])));
    if (server === undefined) throw new AtCapacity('every server holds its maximum of databases');
    await db.query(
      `INSERT INTO ${TABLE} (id, state, name, password, referrer, logical_replication, creator_pid, creator_started, server)
       SELECT $1, 'PENDING', $2, $3, $4, $5, pid, backend_start, $6 FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
      [record.id, record.name, record.password, record.referrer, record.logicalReplication, server],
    );
    await db.query('COMMIT');
    return server;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Rows from before serve knew several servers live on the first (the one holding the state).
 *
 * @example
 * await adoptUnplaced(pool, 'db.internal:5432');
 */
export async function adoptUnplaced(db: Queryable, firstKey: string): Promise<void> {
  await db.query(`UPDATE ${TABLE} SET server = $1 WHERE server IS NULL`, [firstKey]);
}

/**
 * A create that failed and could not clean up after itself: the reaper drops what it made.
 *
 * @example
 * await markDeleting(session, id);
 */
export async function markDeleting(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE ${TABLE} SET state = 'DELETING', updated_at = now() WHERE id = $1`, [id]);
}

/** The expiry counts from when the database is ready, not from when it was asked for. */
export async function markUnclaimed(db: Queryable, id: string, ttlMs: number): Promise<DatabaseRecord> {
  const { rows } = await db.query<DatabaseRecord>(
    `UPDATE ${TABLE} SET state = 'UNCLAIMED', updated_at = now(), expires_at = now() + $2::float8 * interval '1 millisecond'
     WHERE id = $1 AND state = 'PENDING' RETURNING ${COLUMNS}`,
    [id, ttlMs],
  );
  if (!rows[0]) throw new Error(`database ${id} was removed while it was being created`);
  return rows[0];
}

/** What the API may show: ready, and not past its expiry even if the reaper has not run yet. */
export async function findLive(db: Queryable, id: string): Promise<DatabaseRecord | undefined> {
  const { rows } = await db.query<DatabaseRecord>(
    `SELECT ${COLUMNS} FROM ${TABLE}
     WHERE id = $1 AND ((state = 'CLAIMED' AND (expires_at IS NULL OR expires_at > now())) OR (state = 'UNCLAIMED' AND expires_at > now()))`,
    [id],
  );
  return rows[0];
}

/** Locks an unclaimed, unexpired row for a claim (inside the caller's transaction). */
export async function lockClaimable(db: Queryable, id: string): Promise<DatabaseRecord | undefined> {
  const { rows } = await db.query<DatabaseRecord>(
    `SELECT ${COLUMNS} FROM ${TABLE} WHERE id = $1 AND state = 'UNCLAIMED' AND expires_at > now() FOR UPDATE`,
    [id],
  );
  return rows[0];
}

/** `keepMs`: how long a claimed database is kept (--claimed-ttl); undefined: until an operator drops it. */
export async function markClaimed(db: Queryable, id: string, keepMs?: number): Promise<DatabaseRecord> {
  const { rows } = await db.query<DatabaseRecord>(
    `UPDATE ${TABLE} SET state = 'CLAIMED', password = NULL, read_only = false,
       expires_at = now() + $2::float8 * interval '1 millisecond', claimed_at = now(), updated_at = now()
     WHERE id = $1 AND state = 'UNCLAIMED' RETURNING ${COLUMNS}`,
    [id, keepMs ?? null],
  );
  if (!rows[0]) throw new Error(`database ${id} is no longer claimable`);
  return rows[0];
}

/** The session that wrote a PENDING row is gone (a backend_start hidden from us counts as alive). */
const CREATOR_GONE = `NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = creator_pid
  AND (a.backend_start = creator_started OR a.backend_start IS NULL))`;

/**
 * Hands expired rows (unclaimed, or claimed with a --claimed-ttl or an operator's expiry)
 * and creates that died to the reaper. Rows already
 * DELETING are returned again: a drop that failed (or a reaper, or a sweep out of time,
 * left them); new ones are marked only up to `limit` waiting, so a sweep that stops early
 * never leaves a growing heap of DELETING rows (whose databases still take disk).
 * `skip`: rows this sweep already tried.
 *
 * @example
 * const rows = await takeForDeletion(client, 50, idsThatFailed);
 */
export async function takeForDeletion(db: Queryable, limit: number, skip: string[] = []): Promise<Array<Pick<DatabaseRecord, 'id' | 'name' | 'server'>>> {
  await db.query(
    `UPDATE ${TABLE} SET state = 'DELETING', updated_at = now()
     WHERE id IN (
       SELECT id FROM ${TABLE}
       WHERE (state IN ('UNCLAIMED', 'CLAIMED') AND expires_at <= now())
          OR (state = 'PENDING' AND (created_at < now() - ${PENDING_GIVE_UP} OR ${CREATOR_GONE}))
       ORDER BY expires_at
       LIMIT greatest(0, $1 - (SELECT count(*) FROM ${TABLE} WHERE state = 'DELETING' AND NOT (id::text = ANY ($2::text[]))))
       FOR UPDATE SKIP LOCKED)`,
    [limit, skip],
  );
  const { rows } = await db.query<Pick<DatabaseRecord, 'id' | 'name' | 'server'>>(
    `SELECT id::text, name, server FROM ${TABLE} WHERE state = 'DELETING' AND NOT (id::text = ANY ($2::text[])) ORDER BY updated_at LIMIT $1`,
    [limit, skip],
  );
  return rows;
}

/**
 * A drop that failed goes to the back of the queue.
 *
 * @example
 * await touchRecord(client, id);
 */
export async function touchRecord(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE ${TABLE} SET updated_at = now() WHERE id = $1`, [id]);
}

export async function deleteRecord(db: Queryable, id: string): Promise<void> {
  await db.query(`DELETE FROM ${TABLE} WHERE id = $1`, [id]);
}

/**
 * Every unclaimed database, to measure (only those: serve needs no rights on others).
 *
 * @example
 * for (const row of await listUnclaimed(client)) console.log(row.name);
 */
export async function listUnclaimed(db: Queryable): Promise<Array<Pick<DatabaseRecord, 'id' | 'name' | 'readOnly' | 'server'>>> {
  const { rows } = await db.query<Pick<DatabaseRecord, 'id' | 'name' | 'readOnly' | 'server'>>(
    `SELECT id::text, name, read_only AS "readOnly", server FROM ${TABLE} WHERE state = 'UNCLAIMED' ORDER BY created_at`,
  );
  return rows;
}

/**
 * Every role that exists for a tenant (READY, UNCLAIMED, CLAIMED), by server: the ones
 * whose CONNECTION LIMIT the sweeper keeps.
 *
 * @example
 * for (const { name, server } of await liveRoles(client)) console.log(server, name);
 */
export async function liveRoles(db: Queryable): Promise<Array<{ name: string; server: string | null }>> {
  const { rows } = await db.query<{ name: string; server: string | null }>(`SELECT name, server FROM ${TABLE} WHERE state IN ('READY', 'UNCLAIMED', 'CLAIMED')`);
  return rows;
}

/**
 * True when `server` keeps fewer than `max` claimed databases. Takes the `claim` lease (a row
 * lock, held to the caller's commit), so two claims cannot both take the last place.
 *
 * @example
 * if (!(await roomToClaim(client, 'db.internal:5432', 100))) return 'full';
 */
export async function roomToClaim(db: Queryable, server: string | null, max: number): Promise<boolean> {
  await db.query(`SELECT name FROM ${SCHEMA}.leases WHERE name = 'claim' FOR UPDATE`);
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE} WHERE state = 'CLAIMED' AND server IS NOT DISTINCT FROM $1`, [server]);
  return rows[0]!.n < max;
}

/** True when the row is still unclaimed (a claim in between wins); it stays locked until commit. */
export async function markReadOnly(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE ${TABLE} SET read_only = true, updated_at = now() WHERE id = $1 AND state = 'UNCLAIMED'`,
    [id],
  );
  return rowCount === 1;
}

/**
 * Rows by server and state, for the metrics' gauges (one indexed scan of a table of live databases).
 *
 * @example
 * const counts = await countByState(quickPool); // [{ state: 'UNCLAIMED', count: 12 }, …]
 */
export async function countByState(db: Queryable): Promise<Array<{ server: string | null; state: RecordState; count: number }>> {
  const { rows } = await db.query<{ server: string | null; state: RecordState; count: number }>(
    `SELECT server, state, count(*)::int AS count FROM ${TABLE} GROUP BY server, state ORDER BY server, state`,
  );
  return rows;
}
