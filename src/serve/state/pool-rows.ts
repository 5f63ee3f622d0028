/** The warm pool's rows: READY databases made ahead, taken in batches at hand-out. */
import { COLUMNS, TABLE, type DatabaseRecord, type Queryable } from './store.js';

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
 * twice), on the `servers` that answer. Shorter than `handOuts` when the pool has fewer.
 *
 * @example
 * const records = await takeReady(session, [{ id: uuidv7(), referrer: 'my-app', logicalReplication: false, ttlMs }], ['db.internal:5432']);
 */
export async function takeReady(db: Queryable, handOuts: HandOut[], servers: string[]): Promise<DatabaseRecord[]> {
  const { rows } = await db.query<DatabaseRecord>(
    `WITH picked AS (SELECT id AS pooled_id FROM ${TABLE} WHERE state = 'READY' AND server = ANY ($6::text[]) ORDER BY created_at LIMIT $5 FOR UPDATE SKIP LOCKED),
       numbered AS (SELECT pooled_id, row_number() OVER () AS i FROM picked),
       wanted AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::float8[]) WITH ORDINALITY AS w(w_id, w_referrer, w_logical, w_ttl, i))
     UPDATE ${TABLE} d SET id = w_id, state = 'UNCLAIMED', referrer = w_referrer, logical_replication = w_logical,
       created_at = now(), updated_at = now(), expires_at = now() + w_ttl * interval '1 millisecond'
     FROM numbered JOIN wanted USING (i) WHERE d.id = numbered.pooled_id
     RETURNING ${D_COLUMNS}`,
    [handOuts.map((h) => h.id), handOuts.map((h) => h.referrer), handOuts.map((h) => h.logicalReplication), handOuts.map((h) => h.ttlMs), handOuts.length, servers],
  );
  const order = new Map(handOuts.map((h, i) => [h.id, i]));
  return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/**
 * READY databases, and how many more `maxDatabases` allows (every row counts, as in
 * insertPending: a database being dropped is still on the server).
 *
 * @example
 * const { ready, room } = await poolRoom(client, 16);
 */
export async function poolRoom(db: Queryable, maxDatabases: number): Promise<{ ready: number; room: number }> {
  const { rows } = await db.query<{ ready: number; live: number }>(
    `SELECT count(*) FILTER (WHERE state = 'READY')::int AS ready, count(*)::int AS live FROM ${TABLE}`,
  );
  return { ready: rows[0]!.ready, room: Math.max(0, maxDatabases - rows[0]!.live) };
}

