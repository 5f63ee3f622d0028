/**
 * How the operator's tools reach the PostgreSQL server a database lives on: serve's own
 * pools when the admin API calls them, pools the CLI opens from `--postgres-url` otherwise.
 */
import type { InDatabase } from '../postgres/cluster.js';
import type { Servers } from '../postgres/servers.js';
import type { Queryable } from '../state/store.js';

export interface ClusterAccess {
  /** Admin statements there (any session: the tools keep no session state). */
  db: Queryable;
  inDatabase: InDatabase;
}

/** The server a row names, or undefined when it is not among those given. */
export type Clusters = (server: string | null) => ClusterAccess | undefined;

/**
 * A running serve's servers as the tools' `Clusters`.
 *
 * @example
 * const rows = await listDatabases(ctx.pool, clustersOf(ctx.servers));
 */
export function clustersOf(servers: Servers): Clusters {
  return (key) => {
    const server = servers.of(key);
    return server && { db: server.pool, inDatabase: server.inDatabase };
  };
}
