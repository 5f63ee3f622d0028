/**
 * The tenant abuse issue 15 found, run by tenants serve handed out. Each returns one line
 * for the report: how far it got, and what stopped it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import type { DatabaseView } from '../../src/serve/http/database-view.js';
import { BIN } from '../../test/helpers/cli.js';
import { folderBytes, sleep, type SoakCluster } from './cluster.js';
import { errorKey, type SoakStats } from './stats.js';
import { create, tenantClient, type Target } from './workload.js';

const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const nameOf = (db: DatabaseView) => db.neon_project_id;

/**
 * Databases for the abuse, made before the workers fill the server and kept past the run
 * with the operator's own tool (`get-db serve expire`): the short TTL would reap them first.
 */
export async function reserveDatabases(target: Target, stats: SoakStats, count: number, adminUrl: string, keepFor: string): Promise<DatabaseView[]> {
  const made: DatabaseView[] = [];
  for (let attempt = 0; made.length < count && attempt < 30; attempt++) {
    const db = await create(target, stats, 'soak-abuse');
    if (db) made.push(db);
    else await sleep(1000);
  }
  for (const db of made) {
    const extended = spawnSync(process.execPath, [BIN, 'serve', 'expire', db.id, keepFor, '--postgres-url', adminUrl], { encoding: 'utf8' });
    if (extended.status !== 0) throw new Error(`get-db serve expire failed: ${extended.stderr}`);
  }
  return made;
}

/** The operator drops the abuse's databases when it is over (`get-db serve drop`); one line for the report. */
export function dropDatabases(databases: DatabaseView[], adminUrl: string): string {
  const outcomes = databases.map((db) => {
    const dropped = spawnSync(process.execPath, [BIN, 'serve', 'drop', db.id, '--json', '--postgres-url', adminUrl], { encoding: 'utf8' });
    return dropped.status === 0 ? (JSON.parse(dropped.stdout) as { outcome: string }).outcome : `failed: ${dropped.stderr.trim()}`;
  });
  return `the operator dropped the abuse's ${databases.length} databases (get-db serve drop): ${outcomes.join(', ')}`;
}

/** Runs `step` until `ms` pass or it fails; the failure (what stopped the tenant) is returned. */
async function loopFor(ms: number, step: () => Promise<unknown>): Promise<string | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      await step();
    } catch (error) {
      return errorKey(error);
    }
  }
  return undefined;
}

const stoppedBy = (why: string | undefined) => (why ? `stopped by "${why}"` : 'not stopped');

/** A listener in an open transaction pins the NOTIFY queue while another session floods it. */
export async function notifyFlood(db: DatabaseView, cluster: SoakCluster, ms: number): Promise<string> {
  const before = folderBytes(join(cluster.dataDir, 'pg_notify'));
  let peak = before;
  const [listener, sender] = await Promise.all([tenantClient(db.connection_string!), tenantClient(db.connection_string!)]);
  try {
    await listener.query('LISTEN soak'); // committed on its own: a LISTEN counts from its commit
    await listener.query('BEGIN; SELECT 1'); // …and a session in a transaction reads no notification: the queue's tail stays
    const why = await loopFor(ms, async () => {
      await sender.query(`SELECT pg_notify('soak', repeat(md5(random()::text), 240)) FROM generate_series(1, 200)`);
      peak = Math.max(peak, folderBytes(join(cluster.dataDir, 'pg_notify')));
    });
    return `NOTIFY flood (${ms / 1000} s): pg_notify/ ${mb(before)} → peak ${mb(peak)}; ${stoppedBy(why)}`;
  } finally {
    await Promise.all([listener.end().catch(() => {}), sender.end().catch(() => {})]);
  }
}

/** Long settings and comments on the tenant's own database and role: rows in shared catalogs (pg_global). */
export async function catalogGrowth(db: DatabaseView, cluster: SoakCluster, ms: number): Promise<string> {
  const name = nameOf(db);
  const before = folderBytes(join(cluster.dataDir, 'global'));
  const client = await tenantClient(db.connection_string!);
  try {
    // Random text: repeated characters would compress to nothing in TOAST.
    const text = () => randomBytes(150_000).toString('base64');
    const why = await loopFor(ms, () =>
      client.query(
        `COMMENT ON DATABASE ${name} IS '${text()}';
         ALTER DATABASE ${name} SET search_path = '${text()}';
         ALTER ROLE ${name} IN DATABASE ${name} SET search_path = '${text()}'`,
      ),
    );
    const after = folderBytes(join(cluster.dataDir, 'global'));
    return `shared-catalog growth (${ms / 1000} s): global/ ${mb(before)} → ${mb(after)}; ${stoppedBy(why)}`;
  } finally {
    await client.end().catch(() => {});
  }
}

const FILL = `INSERT INTO fill SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 64), generate_series(1, 500) g GROUP BY g`;

/**
 * Writes through `url` for `ms`, reconnecting when serve ends the session; stops when it
 * cannot get back in (or the time is up), and says what stopped it.
 */
async function keepWriting(url: string, ms: number): Promise<string | undefined> {
  let client: pg.Client | undefined;
  let why: string | undefined;
  const until = Date.now() + ms;
  try {
    while (Date.now() < until) {
      let session: pg.Client;
      try {
        session = client = await tenantClient(url);
        // Its own statement: in one with the INSERT, the transaction has already begun read-only.
        await session.query('SET default_transaction_read_only = off');
      } catch (error) {
        return errorKey(error); // locked out
      }
      why = await loopFor(until - Date.now(), () => session.query(FILL));
      await session.end().catch(() => {});
      client = undefined;
      if (why) await sleep(500);
    }
    return why;
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * The owner grants a neighbour's role CONNECT and ALL, switches read-only off and writes
 * past twice the storage limit (the wall); the neighbour keeps writing into it after.
 */
export async function wall(owner: DatabaseView, neighbour: DatabaseView, cluster: SoakCluster, limitBytes: number, ms: number): Promise<string> {
  const name = nameOf(owner);
  const size = async () => Number((await cluster.query<{ b: string }>('SELECT pg_database_size($1)::text AS b', [name]))[0]?.b ?? 0);
  const client = await tenantClient(owner.connection_string!);
  try {
    await client.query(`CREATE TABLE fill (v text); GRANT CONNECT ON DATABASE ${name} TO ${nameOf(neighbour)}; GRANT ALL ON SCHEMA public TO ${nameOf(neighbour)}; GRANT ALL ON fill TO ${nameOf(neighbour)}`);
  } finally {
    await client.end().catch(() => {});
  }
  const guestUrl = new URL(neighbour.connection_string!);
  guestUrl.pathname = `/${name}`;
  const ownerWhy = await keepWriting(owner.connection_string!, ms / 2);
  const atWall = await size();
  const guestWhy = await keepWriting(guestUrl.href, ms / 2);
  const final = await size();
  return `the wall (limit ${mb(limitBytes)}, wall at ${mb(2 * limitBytes)}): owner ${stoppedBy(ownerWhy)} at ${mb(atWall)}; a neighbour's role writing into it ${stoppedBy(guestWhy)}, database ${mb(final)} at the end`;
}

/** Tenants open every session their limits allow on recent databases, until the cluster has no slot left. */
export async function takeEverySlot(recent: string[], perDatabase: number, ms: number): Promise<{ note: string; release: Promise<void> }> {
  const sessions: pg.Client[] = [];
  const refused = new Map<string, number>();
  await Promise.all(
    [...recent].flatMap((url) =>
      Array.from({ length: perDatabase }, async () => {
        try {
          sessions.push(await tenantClient(url));
        } catch (error) {
          const key = errorKey(error);
          refused.set(key, (refused.get(key) ?? 0) + 1);
        }
      }),
    ),
  );
  const why = [...refused.entries()].map(([key, n]) => `${key} ×${n}`).join(', ');
  const release = sleep(ms).then(async () => {
    await Promise.all(sessions.map((session) => session.end().catch(() => {})));
  });
  return { note: `tenants took ${sessions.length} sessions for ${ms / 1000} s${why ? ` (refused: ${why})` : ''}`, release };
}
