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
}

const TABLE = `${SCHEMA}.databases`;
const COLUMNS = `id::text, state, name, password, referrer, logical_replication AS "logicalReplication",
  read_only AS "readOnly", created_at AS "createdAt", updated_at AS "updatedAt", expires_at AS "expiresAt", claimed_at AS "claimedAt"`;
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

/**
 * Recorded before the role exists, so a crash mid-create leaves a row the reaper cleans
 * up; with the creating session's pid and start, so the reaper knows at once when that
 * session (and so the create) is gone. Under the `create` lease, so two processes cannot
 * both take the last place under `maxDatabases`.
 *
 * @example
 * await insertPending(session, { id, name, password, referrer: 'my-app', logicalReplication: false }, 16);
 */
export async function insertPending(db: Queryable, record: NewRecord, maxDatabases: number): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(`SELECT name FROM ${SCHEMA}.leases WHERE name = 'create' FOR UPDATE`);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE} WHERE state <> 'DELETING'`);
    if (rows[0]!.n >= maxDatabases) throw new AtCapacity(`this server holds its maximum of ${maxDatabases} databases`);
    await db.query(
      `INSERT INTO ${TABLE} (id, state, name, password, referrer, logical_replication, creator_pid, creator_started)
       SELECT $1, 'PENDING', $2, $3, $4, $5, pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
      [record.id, record.name, record.password, record.referrer, record.logicalReplication],
    );
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
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

/**
 * A warm-pool database is made: READY to hand out, invisible to the API.
 *
 * @example
 * await markReady(session, id);
 */
export async function markReady(db: Queryable, id: string): Promise<void> {
  const { rowCount } = await db.query(`UPDATE ${TABLE} SET state = 'READY', updated_at = now() WHERE id = $1 AND state = 'PENDING'`, [id]);
  if (rowCount !== 1) throw new Error(`database ${id} was removed while it was being made`);
}

export interface HandOut {
  /** The id the API shows from now on (a pooled row's own id was never shown). */
  id: string;
  referrer: string;
  logicalReplication: boolean;
  ttlMs: number;
}

/** COLUMNS of the `databases` row aliased `d` (for statements that join other rows with an `id`). */
const D_COLUMNS = COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1d.$2');

/**
 * Takes up to `handOuts.length` of the oldest READY rows and makes them the callers'
 * UNCLAIMED databases, in order, each with a new id and its clock starting now (inside the
 * caller's transaction; rows other transactions hold are skipped, so no row is handed out
 * twice). Shorter than `handOuts` when the pool has fewer.
 *
 * @example
 * const records = await takeReady(session, [{ id: uuidv7(), referrer: 'my-app', logicalReplication: false, ttlMs }]);
 */
export async function takeReady(db: Queryable, handOuts: HandOut[]): Promise<DatabaseRecord[]> {
  const { rows } = await db.query<DatabaseRecord>(
    `WITH picked AS (SELECT id AS pooled_id FROM ${TABLE} WHERE state = 'READY' ORDER BY created_at LIMIT $5 FOR UPDATE SKIP LOCKED),
       numbered AS (SELECT pooled_id, row_number() OVER () AS i FROM picked),
       wanted AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::float8[]) WITH ORDINALITY AS w(w_id, w_referrer, w_logical, w_ttl, i))
     UPDATE ${TABLE} d SET id = w_id, state = 'UNCLAIMED', referrer = w_referrer, logical_replication = w_logical,
       created_at = now(), updated_at = now(), expires_at = now() + w_ttl * interval '1 millisecond'
     FROM numbered JOIN wanted USING (i) WHERE d.id = numbered.pooled_id
     RETURNING ${D_COLUMNS}`,
    [handOuts.map((h) => h.id), handOuts.map((h) => h.referrer), handOuts.map((h) => h.logicalReplication), handOuts.map((h) => h.ttlMs), handOuts.length],
  );
  const order = new Map(handOuts.map((h, i) => [h.id, i]));
  return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/**
 * READY databases, and how many more the connection budget allows (everything not being dropped counts).
 *
 * @example
 * const { ready, room } = await poolRoom(client, 16);
 */
export async function poolRoom(db: Queryable, maxDatabases: number): Promise<{ ready: number; room: number }> {
  const { rows } = await db.query<{ ready: number; live: number }>(
    `SELECT count(*) FILTER (WHERE state = 'READY')::int AS ready, count(*) FILTER (WHERE state <> 'DELETING')::int AS live FROM ${TABLE}`,
  );
  return { ready: rows[0]!.ready, room: Math.max(0, maxDatabases - rows[0]!.live) };
}

/** What the API may show: ready, and not past its expiry even if the reaper has not run yet. */
export async function findLive(db: Queryable, id: string): Promise<DatabaseRecord | undefined> {
  const { rows } = await db.query<DatabaseRecord>(
    `SELECT ${COLUMNS} FROM ${TABLE}
     WHERE id = $1 AND (state = 'CLAIMED' OR (state = 'UNCLAIMED' AND expires_at > now()))`,
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

export async function markClaimed(db: Queryable, id: string): Promise<DatabaseRecord> {
  const { rows } = await db.query<DatabaseRecord>(
    `UPDATE ${TABLE} SET state = 'CLAIMED', password = NULL, read_only = false, expires_at = NULL,
       claimed_at = now(), updated_at = now()
     WHERE id = $1 AND state = 'UNCLAIMED' RETURNING ${COLUMNS}`,
    [id],
  );
  if (!rows[0]) throw new Error(`database ${id} is no longer claimable`);
  return rows[0];
}

/** The session that wrote a PENDING row is gone (a backend_start hidden from us counts as alive). */
const CREATOR_GONE = `NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = creator_pid
  AND (a.backend_start = creator_started OR a.backend_start IS NULL))`;

/**
 * Hands expired unclaimed rows (and creates that died) to the reaper. Rows already
 * DELETING are returned again: a drop that failed (or a reaper that died) left them.
 * `skip`: rows this sweep already tried.
 *
 * @example
 * const rows = await takeForDeletion(client, 50, idsThatFailed);
 */
export async function takeForDeletion(db: Queryable, limit: number, skip: string[] = []): Promise<Array<Pick<DatabaseRecord, 'id' | 'name'>>> {
  await db.query(
    `UPDATE ${TABLE} SET state = 'DELETING', updated_at = now()
     WHERE id IN (
       SELECT id FROM ${TABLE}
       WHERE (state = 'UNCLAIMED' AND expires_at <= now())
          OR (state = 'PENDING' AND (created_at < now() - ${PENDING_GIVE_UP} OR ${CREATOR_GONE}))
       ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`,
    [limit],
  );
  const { rows } = await db.query<Pick<DatabaseRecord, 'id' | 'name'>>(
    `SELECT id::text, name FROM ${TABLE} WHERE state = 'DELETING' AND NOT (id::text = ANY ($2::text[])) ORDER BY updated_at LIMIT $1`,
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
export async function listUnclaimed(db: Queryable): Promise<Array<Pick<DatabaseRecord, 'id' | 'name' | 'readOnly'>>> {
  const { rows } = await db.query<Pick<DatabaseRecord, 'id' | 'name' | 'readOnly'>>(
    `SELECT id::text, name, read_only AS "readOnly" FROM ${TABLE} WHERE state = 'UNCLAIMED' ORDER BY created_at`,
  );
  return rows;
}

/**
 * Live roles whose CONNECTION LIMIT is not `limit` (the option changed, or an older serve made them).
 *
 * @example
 * const names = await rolesWithOtherLimit(client, 5);
 */
export async function rolesWithOtherLimit(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT d.name FROM ${TABLE} d JOIN pg_roles r ON r.rolname = d.name
     WHERE d.state IN ('READY', 'UNCLAIMED', 'CLAIMED') AND r.rolconnlimit <> $1`,
    [limit],
  );
  return rows.map((row) => row.name);
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
 * Rows by state, for the metrics' gauges (one indexed scan of a table of live databases).
 *
 * @example
 * const counts = await countByState(quickPool); // [{ state: 'UNCLAIMED', count: 12 }, …]
 */
export async function countByState(db: Queryable): Promise<Array<{ state: RecordState; count: number }>> {
  const { rows } = await db.query<{ state: RecordState; count: number }>(`SELECT state, count(*)::int AS count FROM ${TABLE} GROUP BY state ORDER BY state`);
  return rows;
}

const RATE_WINDOWS = `${SCHEMA}.rate_windows`;

/**
 * Counts one request of `client` in the current fixed window (on the database's clock,
 * so every process agrees) and says how long until that window ends.
 */
export async function countRequest(db: Queryable, client: string, periodMs: number): Promise<{ count: number; msLeft: number }> {
  const { rows } = await db.query<{ count: number; msLeft: number }>(
    `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) * 1000 / $2::float8) * $2::float8 / 1000.0) AS start)
     INSERT INTO ${RATE_WINDOWS} (client, window_start, count) SELECT $1, start, 1 FROM w
     ON CONFLICT (client, window_start) DO UPDATE SET count = ${RATE_WINDOWS}.count + 1
     RETURNING count, (extract(epoch FROM window_start) * 1000 + $2::float8 - extract(epoch FROM now()) * 1000)::float8 AS "msLeft"`,
    [client, periodMs],
  );
  return rows[0]!;
}

export async function pruneRateWindows(db: Queryable, periodMs: number): Promise<void> {
  await db.query(`DELETE FROM ${RATE_WINDOWS} WHERE window_start < now() - $1::float8 * interval '1 millisecond'`, [periodMs]);
}
