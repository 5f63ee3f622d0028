/**
 * Handing out warm-pool databases. A burst of creates is served in batches: the requests
 * that arrive while a batch is in PostgreSQL wait for the next one, and each batch is one
 * short transaction however large (take the rows, let their roles log in, commit), so 200
 * concurrent creates cost a few transactions rather than 200 queued for admin sessions.
 */
import type pg from 'pg';
import type { CreateRequest } from '../databases.js';
import { ident } from '../postgres/cluster.js';
import type { Servers } from '../postgres/servers.js';
import { uuidv7 } from '../ids.js';
import { takeReady } from '../state/pool-rows.js';
import type { DatabaseRecord, Queryable } from '../state/store.js';
import { asUnavailable, isUnavailable } from '../unavailable.js';

/** Batches in PostgreSQL at once, each on its own admin session. */
const PARALLEL_BATCHES = 2;
const MAX_BATCH = 500;

/**
 * Lets the roles log in, each on its own server: in the state's transaction for the first
 * server; on another server just before that transaction commits (a role that may log in
 * but stays READY because the commit failed is harmless: nobody has its password).
 */
async function grantLogins(state: Queryable, servers: Servers, records: DatabaseRecord[]): Promise<void> {
  for (const server of servers.all) {
    const names = records.filter((record) => servers.of(record.server) === server).map((record) => `ALTER ROLE ${ident(record.name)} LOGIN`);
    if (names.length > 0) await (server.holdsState ? state : server.pool).query(names.join('; '));
  }
}

/**
 * One transaction: up to `requests.length` READY rows on servers that answer become
 * UNCLAIMED (new ids, expiry from now) and their roles may log in from the commit on.
 * `undefined` for each request the pool had no database for: the caller makes one on demand.
 *
 * @example
 * const [record] = await handOutBatch(servers, [{ referrer: 'my-app', logicalReplication: false, ttlMs }]);
 */
export async function handOutBatch(servers: Servers, requests: CreateRequest[]): Promise<Array<DatabaseRecord | undefined>> {
  const handOuts = requests.map((request) => ({ id: uuidv7(), ...request }));
  const client = await servers.all[0]!.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const records = await takeReady(client, handOuts, servers.healthy().map((server) => server.key));
    await grantLogins(client, servers, records);
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
 * const handOut = batchedHandOut(servers);
 * const record = await handOut({ referrer: 'my-app', logicalReplication: false, ttlMs });
 */
export function batchedHandOut(servers: Servers): (request: CreateRequest) => Promise<DatabaseRecord | undefined> {
  const queue: Waiting[] = [];
  let inFlight = 0;
  const next = () => {
    if (inFlight >= PARALLEL_BATCHES || queue.length === 0) return;
    const batch = queue.splice(0, MAX_BATCH);
    inFlight++;
    handOutBatch(servers, batch.map((waiting) => waiting.request))
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
