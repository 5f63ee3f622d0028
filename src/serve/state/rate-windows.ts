/**
 * The create rate limit's counts, kept in serve's state (an unlogged table) so every serve
 * process on one state counts together, on the database's clock.
 */
import { SCHEMA } from './state-schema.js';
import type { Queryable } from './store.js';

const RATE_WINDOWS = `${SCHEMA}.rate_windows`;

/**
 * Counts one request of `client` in the current fixed window (on the database's clock,
 * so every process agrees) and says how long until that window ends. A window is the
 * client's for one period length: serve processes sharing a state with different
 * `--rate-limit` periods (a restart with a new one) never count into each other's windows.
 *
 * @example
 * const { count, msLeft } = await countRequest(pool, '203.0.113.7', 60_000);
 */
export async function countRequest(db: Queryable, client: string, periodMs: number): Promise<{ count: number; msLeft: number }> {
  const { rows } = await db.query<{ count: number; msLeft: number }>(
    `WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) * 1000 / $2::float8) * $2::float8 / 1000.0) AS start)
     INSERT INTO ${RATE_WINDOWS} (client, window_start, count) SELECT $1, start, 1 FROM w
     ON CONFLICT (client, window_start) DO UPDATE SET count = ${RATE_WINDOWS}.count + 1
     RETURNING count, (extract(epoch FROM window_start) * 1000 + $2::float8 - extract(epoch FROM now()) * 1000)::float8 AS "msLeft"`,
    [`${client} per ${periodMs} ms`, periodMs],
  );
  return rows[0]!;
}

/** Windows no serve process still counts in: past this process's period, and a day (another's may be longer). */
const KEEP_WINDOWS_MS = 86_400_000;

/**
 * Drops ended windows.
 *
 * @example
 * await pruneRateWindows(pool, 60_000);
 */
export async function pruneRateWindows(db: Queryable, periodMs: number): Promise<void> {
  await db.query(`DELETE FROM ${RATE_WINDOWS} WHERE window_start < now() - $1::float8 * interval '1 millisecond'`, [Math.max(periodMs, KEEP_WINDOWS_MS)]);
}
