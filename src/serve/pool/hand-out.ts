/**
 * Handing out warm-pool databases. A burst of creates is served in batches: the requests
 * that arrive while a batch is in PostgreSQL wait for the next one, and each batch is one
 * short transaction however large (take the rows, let their roles log in, commit), so 200
 * concurrent creates cost a few transactions rather than 200 queued for admin sessions.
 */
import type pg from 'pg';
import type { CreateRequest } from '../databases.js';
import { ident } from '../postgres/cluster.js';
import { uuidv7 } from '../ids.js';
import { takeReady, type DatabaseRecord } from '../state/store.js';
import { asUnavailable, isUnavailable } from '../unavailable.js';

/** Batches in PostgreSQL at once, each on its own admin session. */
const PARALLEL_BATCHES = 2;
const MAX_BATCH = 500;

/**
 * One transaction: up to `requests.length` READY rows become UNCLAIMED (new ids, expiry
 * from now) and their roles may log in from the commit on. `undefined` for each request
 * the pool had no database for: the caller makes one on demand.
 *
 * @example
 * const [record] = await handOutBatch(pool, [{ referrer: 'my-app', logicalReplication: false, ttlMs }]);
 */
export async function handOutBatch(pool: pg.Pool, requests: CreateRequest[]): Promise<Array<DatabaseRecord | undefined>> {
  const handOuts = requests.map((request) => ({ id: uuidv7(), ...request }));
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const records = await takeReady(client, handOuts);
    if (records.length > 0) await client.query(records.map((record) => `ALTER ROLE ${ident(record.name)} LOGIN`).join('; '));
    await client.query('COMMIT');
    const byId = new Map(records.map((record) => [record.id, record]));
    return handOuts.map((handOut) => byId.get(handOut.id));
  } catch (error) {
    if (isUnavailable(error)) broken = error as Error;
    await client.query('ROLLBACK').catch(() => {});
    throw asUnavailable(error);
  } finally {
    client.release(broken);
  }
}

interface Waiting {
  request: CreateRequest;
  resolve(record: DatabaseRecord | undefined): void;
  reject(error: unknown): void;
}

/**
 * A function that hands out one READY database (or undefined when the pool is empty),
 * batching the calls that overlap.
 *
 * @example
 * const handOut = batchedHandOut(pool);
 * const record = await handOut({ referrer: 'my-app', logicalReplication: false, ttlMs });
 */
export function batchedHandOut(pool: pg.Pool): (request: CreateRequest) => Promise<DatabaseRecord | undefined> {
  const queue: Waiting[] = [];
  let inFlight = 0;
  const next = () => {
    if (inFlight >= PARALLEL_BATCHES || queue.length === 0) return;
    const batch = queue.splice(0, MAX_BATCH);
    inFlight++;
    handOutBatch(pool, batch.map((waiting) => waiting.request))
      .then(
        (records) => batch.forEach((waiting, i) => waiting.resolve(records[i])),
        (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        inFlight--;
        next();
      });
  };
  return (request) =>
    new Promise((resolve, reject) => {
      queue.push({ request, resolve, reject });
      next();
    });
}
