/**
 * Locking a tenant's database shut: past twice the storage limit, or when it fills disk
 * outside its own files (the NOTIFY queue, the shared catalogs). Read-only is a setting an
 * owner can switch off in a session; a lock is what no tenant can undo: the owner loses its
 * login, no other role may act as the owner, the database takes no connection at all, and
 * every session in it ends. serve needs no session in it: it measures, claims and drops it
 * from outside. A claim opens it again (`setReadOnly(…, false)` gives the login back).
 */
import { actFor, ident } from './cluster.js';
import { endRoleSessions, endSessions } from './tenant-sessions.js';
import type { Queryable } from '../state/store.js';

/**
 * Other roles that may act as the owner (the owner granted itself to a neighbour: possible
 * on PostgreSQL 14, where a role holds ADMIN OPTION on itself) lose that membership, or
 * they could open the database again as its owner.
 */
async function revokeOtherMembers(db: Queryable, name: string): Promise<void> {
  const { rows } = await db.query<{ member: string }>(
    `SELECT m.rolname AS member FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member
     WHERE a.roleid = (SELECT oid FROM pg_roles WHERE rolname = $1) AND m.rolname <> current_user`,
    [name],
  );
  for (const { member } of rows) await db.query(`REVOKE ${ident(name)} FROM ${ident(member)} CASCADE`);
}

/**
 * The lock's catalog changes, idempotent; run it in the transaction that marks the row
 * (a claim waits on that row), then `endEverySession` once committed — before, a session
 * could still get in. Its owner's membership for serve is granted back first (on 14 a role
 * may revoke it), and the database given back to its role if the owner had passed it on.
 *
 * @example
 * await lockDatabase(client, 'gdb_0123456789abcdef01234567');
 */
export async function lockDatabase(db: Queryable, name: string): Promise<void> {
  await actFor(db, name);
  await db.query(`ALTER ROLE ${ident(name)} NOLOGIN`);
  await revokeOtherMembers(db, name);
  const { rows } = await db.query<{ owned: boolean }>(`SELECT datdba = (SELECT oid FROM pg_roles WHERE rolname = $1) AS owned FROM pg_database WHERE datname = $1`, [name]);
  if (rows[0] && !rows[0].owned) await db.query(`ALTER DATABASE ${ident(name)} OWNER TO ${ident(name)}`);
  await db.query(`ALTER DATABASE ${ident(name)} ALLOW_CONNECTIONS false`);
}

/**
 * Ends the role's sessions everywhere and every session in its database (a neighbour's too).
 *
 * @example
 * await endEverySession(client, 'gdb_0123456789abcdef01234567');
 */
export async function endEverySession(db: Queryable, name: string): Promise<void> {
  await endRoleSessions(db, name);
  await endSessions(db, name);
}

/**
 * True when the database is locked as `lockDatabase` leaves it (no login, no connections).
 *
 * @example
 * if (!(await lockHolds(client, name))) await lockDatabase(client, name);
 */
export async function lockHolds(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query<{ holds: boolean }>(
    `SELECT NOT d.datallowconn AND NOT r.rolcanlogin AS holds FROM pg_database d JOIN pg_roles r ON r.rolname = d.datname WHERE d.datname = $1`,
    [name],
  );
  return rows[0]?.holds ?? true; // gone: nothing left to lock
}
