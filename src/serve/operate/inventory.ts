/**
 * What an operator sees of a serve: every database in the state with what PostgreSQL says
 * of it (size, open connections, whether it is there at all), and whether creates are paused.
 */
import { COLUMNS, TABLE, type DatabaseRecord, type Queryable, type RecordState } from '../state/store.js';
import { createsPaused, type Pause } from '../state/pause.js';
import type { Clusters } from './clusters.js';
import { INVALID_DATABASE } from '../postgres/cluster.js';

export interface ListedDatabase {
  id: string;
  name: string;
  state: RecordState;
  claimed: boolean;
  /** host:port of its PostgreSQL server. */
  server: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  claimedAt: Date | null;
  readOnly: boolean;
  /** null: its server was not given, did not answer, or refused to measure it. */
  sizeBytes: number | null;
  connections: number | null;
  /** Its database exists on its server; null when that server was not asked. */
  present: boolean | null;
}

export interface Inventory {
  databases: ListedDatabase[];
  pause: Pause | undefined;
  /** Servers that rows name but that could not be asked, with why. */
  unreachable: Array<{ server: string | null; error: string }>;
}

interface ClusterFacts {
  name: string;
  bytes: string | null;
  connections: number;
}

/**
 * One statement per server. The size needs CONNECT, which serve has as a member of each
 * owner — unless an owner revoked it (then it is null, not an error for the whole list);
 * an invalid database (a drop cut short) is not measured.
 */
async function factsOn(db: Queryable, names: string[]): Promise<Map<string, ClusterFacts>> {
  const { rows } = await db.query<ClusterFacts>(
    `SELECT d.datname AS name,
       CASE WHEN d.datconnlimit <> ${INVALID_DATABASE} AND has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid)::text END AS bytes,
       (SELECT count(*)::int FROM pg_stat_activity a WHERE a.datid = d.oid) AS connections
     FROM pg_database d WHERE d.datname = ANY ($1::text[])`,
    [names],
  );
  return new Map(rows.map((row) => [row.name, row]));
}

/**
 * Every row of the state, oldest first, with its server's facts.
 *
 * @example
 * const { databases, pause } = await listDatabases(statePool, clusters);
 */
export async function listDatabases(state: Queryable, clusters: Clusters): Promise<Inventory> {
  const { rows } = await state.query<DatabaseRecord>(`SELECT ${COLUMNS} FROM ${TABLE} ORDER BY created_at, id`);
  const facts = new Map<string | null, Map<string, ClusterFacts> | undefined>();
  const unreachable: Inventory['unreachable'] = [];
  for (const server of new Set(rows.map((row) => row.server))) {
    const cluster = clusters(server);
    try {
      facts.set(server, cluster && (await factsOn(cluster.db, rows.filter((row) => row.server === server).map((row) => row.name))));
    } catch (error) {
      facts.set(server, undefined);
      unreachable.push({ server, error: (error as Error).message });
    }
    if (!cluster) unreachable.push({ server, error: 'not among the --postgres-url servers given' });
  }
  const databases = rows.map((row): ListedDatabase => {
    const there = facts.get(row.server);
    const found = there?.get(row.name);
    return {
      id: row.id,
      name: row.name,
      state: row.state,
      claimed: row.state === 'CLAIMED',
      server: row.server,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      claimedAt: row.claimedAt,
      readOnly: row.readOnly,
      sizeBytes: found?.bytes == null ? null : Number(found.bytes),
      connections: there ? (found?.connections ?? 0) : null,
      present: there ? found !== undefined : null,
    };
  });
  return { databases, pause: await createsPaused(state), unreachable };
}
