/**
 * Ending tenants' sessions: the role's everywhere, everyone's in a database, and the
 * neighbours' that hold a lock serve waits on. serve may end a tenant's session because it
 * is a member of every role it makes (no pg_signal_backend needed).
 */
import { USERS_GROUP } from '../state/state-schema.js';
import type { Queryable } from '../state/store.js';

/** How long to wait for an ended session to be gone (and its transaction rolled back). */
const END_WAIT_MS = 5_000;

/**
 * Ends every session of the role, in any database (serve is a member of it), and waits
 * for them to be gone: a transaction of theirs that changed the role's or its database's
 * row (a new password, `ALTER DATABASE … SET`) is then rolled back, and cannot hold up
 * what serve changes next.
 *
 * @example
 * await endRoleSessions(client, 'gdb_0123456789abcdef01234567');
 */
export async function endRoleSessions(db: Queryable, name: string): Promise<void> {
  await db.query(`SELECT pg_terminate_backend(pid, ${END_WAIT_MS}) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()`, [name]);
}

/**
 * Sessions (`a`, role `r`) of the tenants serve made and acts for, which it may end: never
 * its own, an operator's, or a superuser's. `$2` is the users group.
 */
export const TENANT_SESSION = `a.pid <> pg_backend_pid() AND r.rolname <> current_user AND NOT r.rolsuper
  AND pg_has_role(r.oid, 'USAGE') AND pg_has_role(r.oid, $2, 'MEMBER')`;

/**
 * Ends the sessions of other tenants that hold a lock on the role (a neighbour's open
 * transaction that granted it something), which DROP ROLE would wait for.
 */
export async function endLockHolders(db: Queryable, name: string): Promise<void> {
  await db.query(
    `SELECT pg_terminate_backend(a.pid, ${END_WAIT_MS}) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_roles r ON r.oid = a.usesysid
     WHERE l.locktype = 'object' AND l.classid = 'pg_authid'::regclass AND l.objid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND ${TENANT_SESSION}`,
    [name, USERS_GROUP],
  );
}

/** How long a statement may wait on a tenant's lock before the tenant's session is ended. */
const BLOCKED_FOR_MS = 1_000;

/**
 * Runs `work` on `session` while `watcher` (another session) ends the tenant sessions that
 * keep it waiting: an owner's open transaction that changed a table it granted to the
 * role holds DROP OWNED there on that table's row.
 */
export async function endingBlockers(watcher: Queryable, session: Queryable, work: () => Promise<void>): Promise<void> {
  const { rows } = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  let finished = false;
  const done = work().finally(() => (finished = true));
  while (!finished) {
    await Promise.race([done.catch(() => {}), new Promise((resolve) => setTimeout(resolve, BLOCKED_FOR_MS))]);
    if (finished) break;
    await watcher
      .query(
        `SELECT pg_terminate_backend(a.pid, ${END_WAIT_MS}) FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
         WHERE a.pid = ANY (pg_blocking_pids($1)) AND ${TENANT_SESSION}`,
        [rows[0]!.pid, USERS_GROUP],
      )
      .catch(() => {}); // the work's own lock_timeout still bounds it
  }
  await done;
}

/**
 * Sessions (`a`, role `r`) serve may end: a role it has the privileges of (the tenants it
 * made, any role for a superuser admin), never its own session, nor a superuser's unless
 * it is one (pg_terminate_backend would fail the whole statement).
 */
export const ENDABLE_SESSION = `a.pid <> pg_backend_pid() AND pg_has_role(r.oid, 'USAGE')
  AND (NOT r.rolsuper OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))`;

/**
 * Ends every session in the database that serve may end — its owner's and any other role's
 * it was opened to (a neighbour granted CONNECT) — and waits for them to be gone.
 *
 * @example
 * await endSessions(client, 'gdb_0123456789abcdef01234567');
 */
export async function endSessions(db: Queryable, name: string): Promise<void> {
  await db.query(
    `SELECT pg_terminate_backend(a.pid, ${END_WAIT_MS}) FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid WHERE a.datname = $1 AND ${ENDABLE_SESSION}`,
    [name],
  );
}
