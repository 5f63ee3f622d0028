/**
 * The soak's checks, as the cluster's superuser: serve's rows against the roles and
 * databases that exist (orphans either way), the claimed databases it was given (lost?),
 * and how many live databases there are now.
 */
import type { SoakCluster } from './cluster.js';
import type { ClaimedDatabase } from './stats.js';
import { tenantClient } from './workload.js';

/** The state lives in `get_db_serve` when the admin may not make a schema in `postgres` (a non-superuser may not). */
async function stateDatabase(cluster: SoakCluster): Promise<string> {
  const made = await cluster.query("SELECT 1 FROM pg_database WHERE datname = 'get_db_serve'");
  return made.length > 0 ? 'get_db_serve' : 'postgres';
}

interface Row {
  name: string;
  state: string;
  expired: boolean;
}

async function rows(cluster: SoakCluster): Promise<Row[]> {
  return cluster.query<Row>('SELECT name, state, coalesce(expires_at <= now(), false) AS expired FROM get_db_serve.databases', [], await stateDatabase(cluster));
}

/** Live rows (not being dropped) and gdb_ databases on the cluster, for the count over time. */
export async function liveCount(cluster: SoakCluster): Promise<{ rows: number; databases: number }> {
  const all = await rows(cluster);
  const [{ n }] = (await cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'gdb\\_%'")) as [{ n: number }];
  return { rows: all.filter((row) => row.state !== 'DELETING').length, databases: n };
}

/** Rows the reaper still owes work on: expired, being dropped, or creates that never finished. */
export async function unsettled(cluster: SoakCluster): Promise<number> {
  return (await rows(cluster)).filter((row) => row.expired || row.state === 'DELETING' || row.state === 'PENDING').length;
}

export interface Orphans {
  rolesWithoutRow: string[];
  databasesWithoutRow: string[];
  rowsWithoutDatabase: string[];
  invalidDatabases: string[];
}

export async function orphans(cluster: SoakCluster): Promise<Orphans> {
  const known = new Set((await rows(cluster)).map((row) => row.name));
  const live = (await rows(cluster)).filter((row) => ['READY', 'UNCLAIMED', 'CLAIMED'].includes(row.state));
  const roles = await cluster.query<{ name: string }>("SELECT rolname AS name FROM pg_roles WHERE rolname LIKE 'gdb\\_%'");
  const databases = await cluster.query<{ name: string; invalid: boolean }>("SELECT datname AS name, datconnlimit = -2 AS invalid FROM pg_database WHERE datname LIKE 'gdb\\_%'");
  const present = new Set(databases.map((db) => db.name));
  return {
    rolesWithoutRow: roles.map((role) => role.name).filter((name) => !known.has(name)),
    databasesWithoutRow: databases.map((db) => db.name).filter((name) => !known.has(name)),
    rowsWithoutDatabase: live.filter((row) => !present.has(row.name)).map((row) => `${row.name} (${row.state})`),
    invalidDatabases: databases.filter((db) => db.invalid).map((db) => db.name),
  };
}

/** Claimed databases that are gone, no longer let their owner in, or lost rows. */
export async function lostClaims(claimed: ClaimedDatabase[]): Promise<string[]> {
  const lost: string[] = [];
  for (const db of claimed) {
    try {
      const client = await tenantClient(db.url);
      try {
        const { rows: found } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM soak');
        if (found[0]!.n < db.rows) lost.push(`${db.name}: ${found[0]!.n} of ${db.rows} rows`);
      } finally {
        await client.end().catch(() => {});
      }
    } catch (error) {
      lost.push(`${db.name}: ${(error as Error).message}`);
    }
  }
  return lost;
}
