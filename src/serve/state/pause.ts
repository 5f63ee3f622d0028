/**
 * Creates paused by an operator (`get-db serve pause`, or the admin API): a row in the
 * shared state, so every serve process on it stops handing out databases at once, and a
 * restart keeps the pause.
 */
import { SCHEMA } from './state-schema.js';
import type { Queryable } from './store.js';

const SETTINGS = `${SCHEMA}.settings`;
const PAUSED = 'creates_paused';

export interface Pause {
  /** What the operator wants clients told (may be empty). */
  message: string;
  since: Date;
}

/**
 * @example
 * await pauseCreates(client, 'Maintenance until 14:00 UTC');
 */
export async function pauseCreates(db: Queryable, message: string): Promise<void> {
  await db.query(
    `INSERT INTO ${SETTINGS} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [PAUSED, message],
  );
}

/**
 * @example
 * await resumeCreates(client);
 */
export async function resumeCreates(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM ${SETTINGS} WHERE name = $1`, [PAUSED]);
}

/**
 * The pause in force, if any (one indexed read; creates ask before each hand-out).
 *
 * @example
 * const pause = await createsPaused(quickPool);
 */
export async function createsPaused(db: Queryable): Promise<Pause | undefined> {
  const { rows } = await db.query<{ message: string; since: Date }>(`SELECT value AS message, updated_at AS since FROM ${SETTINGS} WHERE name = $1`, [PAUSED]);
  return rows[0];
}

export interface PauseWatch {
  /** The pause as last read (synchronous: a create checks it with no wait). */
  current(): Pause | undefined;
  stop(): void;
}

/**
 * Reads the pause now and then every `everyMs`, so a create checks it without a query of its
 * own (a create storm would otherwise queue on the pool that answers GETs and /healthz) and
 * without waiting (creates check the create queue and join it in one go). A pause reaches
 * every process within `everyMs`; while the state cannot be read, the last answer stands.
 *
 * @example
 * const pause = await watchPause(quickPool);
 * if (pause.current()) refuse();
 */
export async function watchPause(db: Queryable, everyMs = 1000): Promise<PauseWatch> {
  let last = await createsPaused(db);
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    createsPaused(db)
      .then((pause) => (last = pause), () => {})
      .finally(() => (reading = false));
  }, everyMs).unref();
  return { current: () => last, stop: () => clearInterval(timer) };
}
