/**
 * The reaper: drops expired unclaimed databases with their roles, makes unclaimed ones
 * over the storage limit read-only, and forgets old rate-limit windows. Safe with many
 * serve processes: one sweeps at a time (a session advisory lock, released if it dies),
 * and each row changes state by a conditional UPDATE.
 */
import type pg from 'pg';
import { dropRoleAndDatabase, endSessions, setReadOnly } from './cluster.js';
import { SCHEMA } from './state-schema.js';
import { deleteRecord, findOverLimit, markReadOnly, pruneRateWindows, takeForDeletion } from './store.js';
import type { Log } from './log.js';

export interface SweepOptions {
  storageLimitBytes: number;
  rateLimitPeriodMs: number | undefined;
  log: Log;
}

export interface SweepReport {
  ran: boolean;
  dropped: string[];
  madeReadOnly: string[];
}

const BATCH = 50;

async function dropExpired(client: pg.PoolClient, log: Log): Promise<string[]> {
  const dropped: string[] = [];
  for (let batch = await takeForDeletion(client, BATCH); batch.length > 0; batch = await takeForDeletion(client, BATCH)) {
    for (const row of batch) {
      try {
        await dropRoleAndDatabase(client, row.name);
        await deleteRecord(client, row.id);
        dropped.push(row.id);
        log({ level: 'info', event: 'database_dropped', id: row.id });
      } catch (error) {
        // Left DELETING for the next sweep; stop this one rather than spin on it.
        log({ level: 'error', event: 'drop_failed', id: row.id, error: (error as Error).message });
        return dropped;
      }
    }
  }
  return dropped;
}

async function limitStorage(client: pg.PoolClient, limitBytes: number, log: Log): Promise<string[]> {
  const limited: string[] = [];
  for (const row of await findOverLimit(client, limitBytes)) {
    await client.query('BEGIN');
    try {
      const stillUnclaimed = await markReadOnly(client, row.id);
      if (stillUnclaimed) await setReadOnly(client, row.name, true);
      await client.query('COMMIT');
      if (!stillUnclaimed) continue;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
    await endSessions(client, row.name);
    limited.push(row.id);
    log({ level: 'info', event: 'database_read_only', id: row.id, limitBytes });
  }
  return limited;
}

export async function sweepOnce(pool: pg.Pool, options: SweepOptions): Promise<SweepReport> {
  const client = await pool.connect();
  let locked = false;
  try {
    locked = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('${SCHEMA}.sweep')) AS ok`)).rows[0]?.ok === true;
    if (!locked) return { ran: false, dropped: [], madeReadOnly: [] };
    const dropped = await dropExpired(client, options.log);
    const madeReadOnly = await limitStorage(client, options.storageLimitBytes, options.log);
    if (options.rateLimitPeriodMs !== undefined) await pruneRateWindows(client, options.rateLimitPeriodMs);
    return { ran: true, dropped, madeReadOnly };
  } finally {
    if (locked) await client.query(`SELECT pg_advisory_unlock(hashtext('${SCHEMA}.sweep'))`).catch(() => {});
    client.release();
  }
}

/** Sweeps now, then `intervalMs` after each sweep ends; `stop` waits for one in progress. */
export function startSweeper(pool: pg.Pool, intervalMs: number, options: SweepOptions): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = sweepOnce(pool, options)
      .then(
        () => {},
        (error: unknown) => options.log({ level: 'error', event: 'sweep_failed', error: (error as Error).message }),
      )
      .then(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
