/**
 * What tenants can take of a server outside their own databases' files, and the SQL that
 * finds who: connection slots, the NOTIFY queue (held back by a listener in an open
 * transaction), and the shared catalogs (long `ALTER DATABASE/ROLE … SET` values,
 * `COMMENT ON DATABASE`). The policy — when to act, whom to lock — is guard.ts's.
 */
import { TENANT_SESSION } from './tenant-sessions.js';
import { USERS_GROUP } from '../state/state-schema.js';
import type { Queryable } from '../state/store.js';

const TENANTS = `FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid WHERE ${TENANT_SESSION}`;

/**
 * Ends the newest tenant sessions past `keep`; returns how many it ended.
 *
 * @example
 * const ended = await trimTenantSessions(client, 77);
 */
export async function trimTenantSessions(db: Queryable, keep: number): Promise<number> {
  const { rows } = await db.query<{ ended: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS ended FROM (
       SELECT a.pid, row_number() OVER (ORDER BY a.backend_start DESC) AS newest, count(*) OVER () AS total ${TENANTS}
     ) s WHERE newest <= total - $1`,
    [keep, USERS_GROUP],
  );
  return rows[0]!.ended;
}

/** A statement running this long is no notification sender's (they commit to be heard): it may be a listener's. */
const LONG_STATEMENT_S = 2;

/**
 * Ends the tenant sessions that can be holding the NOTIFY queue back — a listener reads it
 * only between transactions — whose transaction began at or before `since`: idle in it, or
 * running one statement for over LONG_STATEMENT_S (a sender's statements are short: its
 * notifications join the queue when it commits). Returns their roles.
 *
 * @example
 * const roles = await endQueueHolders(client, fillingSince);
 */
export async function endQueueHolders(db: Queryable, since: Date): Promise<string[]> {
  const { rows } = await db.query<{ role: string }>(
    // Materialized, so the filter runs before anything is ended.
    `WITH held AS MATERIALIZED (SELECT a.pid, r.rolname ${TENANTS} AND a.xact_start <= $1
       AND (a.state LIKE 'idle in transaction%' OR a.xact_start < now() - interval '${LONG_STATEMENT_S} seconds'))
     SELECT DISTINCT rolname AS role FROM (SELECT rolname, pg_terminate_backend(pid, 5000) AS ended FROM held) e WHERE ended`,
    [since, USERS_GROUP],
  );
  return rows.map((row) => row.role);
}

/**
 * Bytes each of these databases keeps in the shared catalogs: its settings (`ALTER
 * DATABASE … SET`, and its role's `ALTER ROLE … [IN DATABASE …] SET`) and comments on the
 * database and its role. Only those over `overBytes`.
 *
 * @example
 * const heavy = await catalogBytes(client, ['gdb_0123456789abcdef01234567'], 65_536);
 */
export async function catalogBytes(db: Queryable, names: string[], overBytes: number): Promise<Array<{ name: string; bytes: number }>> {
  const { rows } = await db.query<{ name: string; bytes: number }>(
    `SELECT name, bytes FROM (
       SELECT d.datname AS name,
         coalesce((SELECT sum(pg_column_size(s.setconfig)) FROM pg_db_role_setting s WHERE s.setdatabase = d.oid OR s.setrole = d.datdba OR s.setrole = r.oid), 0)
         + coalesce((SELECT sum(pg_column_size(c.description)) FROM pg_shdescription c
             WHERE (c.classoid = 'pg_database'::regclass AND c.objoid = d.oid) OR (c.classoid = 'pg_authid'::regclass AND c.objoid = r.oid)), 0) AS bytes
       FROM pg_database d LEFT JOIN pg_roles r ON r.rolname = d.datname WHERE d.datname = ANY ($1::text[])
     ) t WHERE bytes > $2`,
    [names, overBytes],
  );
  return rows.map((row) => ({ name: row.name, bytes: Number(row.bytes) }));
}

/** A statement that can change the shared catalogs (settings and comments on databases and roles). */
const CATALOG_WRITE = `a.query ~* '(alter\\s+(database|role|user)|comment\\s+on)'`;

/**
 * Read after each heartbeat (watchdog.ts): the roles of tenant sessions whose latest statement,
 * in the last 10 seconds, could change the shared catalogs. Read every second, so a tenant that
 * grows them in short sessions of its own is still named after it has left (guard.ts keeps them
 * a while). Tenants by direct membership in USERS_GROUP ($1), with joins only: no function here
 * can fail on a role dropped meanwhile, and before serve has made the group the answer is empty.
 */
export const CATALOG_WRITERS_SQL = `SELECT coalesce(array_agg(DISTINCT r.rolname::text), '{}') AS writers
  FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
  JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid AND g.rolname = $1
  WHERE ${CATALOG_WRITE} AND a.state_change > now() - interval '10 seconds'`;
