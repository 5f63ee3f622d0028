/**
 * What serve does to the PostgreSQL cluster itself: roles and databases. Names come only
 * from `newDatabaseName` (hex digits) and are still quoted; passwords go over as SCRAM
 * verifiers. Works for a superuser and for a role with just CREATEDB and CREATEROLE, on
 * PostgreSQL 14 to 18: serve makes itself a member of each role it creates (PostgreSQL
 * ≤ 15 needs that for `CREATE DATABASE … OWNER`, 16+ for SET ROLE), which also lets it
 * end the role's sessions and read its database's size without any predefined role.
 */
import pg from 'pg';
import { scramVerifier } from './scram.js';
import { USERS_GROUP } from '../state/state-schema.js';
import { endingBlockers, endLockHolders, endRoleSessions } from './tenant-sessions.js';
import type { Queryable } from '../state/store.js';

/**
 * New databases are copied from this one, not template1: nobody may connect to it, so no
 * user can block every create (CREATE DATABASE refuses a template with sessions open,
 * and any role may connect to template1 on a stock server). Made from template0: clean.
 */
export const TEMPLATE = 'get_db_serve_template';
const DUPLICATE_DATABASE = '42P04';

export const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * A database only its owner (and superusers) may enter, made by the admin role; safe to
 * race with another process making the same one.
 *
 * @example
 * await ensureClosedDatabase(db, TEMPLATE, 'TEMPLATE template0 IS_TEMPLATE true ALLOW_CONNECTIONS false');
 */
export async function ensureClosedDatabase(db: Queryable, name: string, options: string): Promise<void> {
  const { rows } = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rows.length > 0) return;
  try {
    await db.query(`CREATE DATABASE ${ident(name)} ${options}`);
  } catch (error) {
    // Another serve process starting at the same moment made it first.
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
  }
  await db.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
}

/**
 * The template every create copies; made once, closed to everyone.
 *
 * @example
 * await ensureTemplate(client);
 */
export async function ensureTemplate(db: Queryable): Promise<void> {
  await ensureClosedDatabase(db, TEMPLATE, 'TEMPLATE template0 IS_TEMPLATE true ALLOW_CONNECTIONS false');
}

/**
 * A login role that can do nothing outside its own database, and a database only it (and
 * superusers) may connect to — from its first moment: it is made refusing connections
 * (CREATE DATABASE does not copy the template's ACL, so PUBLIC would have CONNECT until
 * the REVOKE), and opened only after. CREATE DATABASE cannot run in a transaction, so a
 * failure part-way is undone by `dropRoleAndDatabase`. `statement` hears each step first,
 * so a failure can name it. `login: false` (the warm pool) makes a role nobody can log in
 * as until `grantLogin` at hand-out, so nobody can touch a pooled database before then.
 *
 * @example
 * await createRoleAndDatabase(client, newDatabaseName(), newPassword(), { connectionLimit: 5 });
 */
export async function createRoleAndDatabase(
  db: Queryable,
  name: string,
  password: string,
  role: { connectionLimit: number; login?: boolean },
  statement: (sql: string) => void = () => {},
): Promise<void> {
  const run = async (sql: string) => {
    statement(sql);
    await db.query(sql);
  };
  const verifier = pg.escapeLiteral(scramVerifier(password));
  await run(
    `CREATE ROLE ${ident(name)} ${role.login === false ? 'NOLOGIN' : 'LOGIN'} PASSWORD ${verifier} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${role.connectionLimit} IN ROLE ${ident(USERS_GROUP)}`,
  );
  await run(`GRANT ${ident(name)} TO CURRENT_USER`);
  await run(`CREATE DATABASE ${ident(name)} OWNER ${ident(name)} TEMPLATE ${ident(TEMPLATE)} ALLOW_CONNECTIONS false`);
  await run(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
  await run(`ALTER DATABASE ${ident(name)} ALLOW_CONNECTIONS true`);
}

/**
 * Lets a pooled database's role log in (at hand-out, inside its transaction).
 *
 * @example
 * await grantLogin(client, 'gdb_0123456789abcdef01234567');
 */
export async function grantLogin(db: Queryable, name: string): Promise<void> {
  await db.query(`ALTER ROLE ${ident(name)} LOGIN`);
}

/**
 * Of these roles, those whose CONNECTION LIMIT is not `limit` (the option changed, or an older serve made them).
 *
 * @example
 * const names = await rolesWithOtherLimit(client, ['gdb_0123456789abcdef01234567'], 5);
 */
export async function rolesWithOtherLimit(db: Queryable, names: string[], limit: number): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('SELECT rolname AS name FROM pg_roles WHERE rolname = ANY ($1::text[]) AND rolconnlimit <> $2', [names, limit]);
  return rows.map((row) => row.name);
}

/** Runs SQL in another database of the cluster (a short-lived admin session). */
export type InDatabase = (database: string, work: (db: Queryable) => Promise<void>) => Promise<void>;

/**
 * serve's membership in the role, granted again: on PostgreSQL 14 a role holds ADMIN OPTION
 * on itself and may revoke it, and without it serve could not end the role's sessions or
 * measure, change or drop its database. CREATEROLE may grant it back (a no-op when held).
 *
 * @example
 * await actFor(client, 'gdb_0123456789abcdef01234567');
 */
export async function actFor(db: Queryable, name: string): Promise<void> {
  await db.query(`GRANT ${ident(name)} TO CURRENT_USER`);
}

const exists = async (db: Queryable, sql: string, name: string) => (await db.query(sql, [name])).rows.length > 0;

/**
 * `datconnlimit` of a database whose DROP was cut off (a crash, an immediate stop, a full
 * disk): PostgreSQL 14.9+ / 15.4+ / 16+ mark it so, refuse connections to it, and allow
 * nothing but DROP DATABASE on it.
 */
export const INVALID_DATABASE = -2;

/**
 * Idempotent, and whatever the role did (serve's membership in it is granted back first):
 * its sessions end, then its login goes (so its credentials die even if the rest must wait
 * for a retry), then sessions that got in meanwhile, its database (even if made a
 * template), then what it owns or was granted in other databases, once neighbours'
 * sessions holding a lock on it are ended (DROP OWNED … CASCADE there: a neighbour's GRANT
 * to it, a temp table in `postgres`, what an owner built on its objects), then the role.
 *
 * @example
 * await dropRoleAndDatabase(client, 'gdb_0123456789abcdef01234567', inDatabaseVia(adminConfig));
 */
export async function dropRoleAndDatabase(db: Queryable, name: string, inDatabase: InDatabase): Promise<void> {
  const roleExists = await exists(db, 'SELECT 1 FROM pg_roles WHERE rolname = $1', name);
  if (roleExists) {
    await actFor(db, name);
    await endRoleSessions(db, name);
    await db.query(`ALTER ROLE ${ident(name)} NOLOGIN PASSWORD NULL`);
    await endRoleSessions(db, name);
  }
  const { rows: databases } = await db.query<{ template: boolean; invalid: boolean }>(
    `SELECT datistemplate AS template, datconnlimit = ${INVALID_DATABASE} AS invalid FROM pg_database WHERE datname = $1`,
    [name],
  );
  if (databases[0]) {
    // An invalid database (a DROP cut off) can only be dropped: ALTER on it is FATAL, the session dies.
    if (databases[0].template && !databases[0].invalid) await db.query(`ALTER DATABASE ${ident(name)} IS_TEMPLATE false`);
    await db.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
  }
  if (!roleExists) return;
  // Their uncommitted grants to it then roll back too, before pg_shdepend is read.
  await endLockHolders(db, name);
  const { rows } = await db.query<{ datname: string; here: boolean }>(
    `SELECT DISTINCT d.datname, d.datname = current_database() AS here FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
     WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
    [name],
  );
  // CASCADE: an owner may build on what the role made in its database (a column of its type).
  const dropOwned = (target: Queryable) => target.query(`DROP OWNED BY ${ident(name)} CASCADE`).then(() => {});
  for (const row of rows) await (row.here ? dropOwned(db) : inDatabase(row.datname, (there) => endingBlockers(db, there, () => dropOwned(there))));
  // Grants on shared objects (another database's CONNECT) go with DROP OWNED anywhere.
  await dropOwned(db);
  await db.query(`DROP ROLE IF EXISTS ${ident(name)}`);
}

const READ_ONLY = 'default_transaction_read_only';

/**
 * Read-only for new sessions of this database: set on the database and on the role in
 * it (the most specific setting, which the role's own `ALTER ROLE … SET` cannot beat).
 * The owner can still undo either, or SET it off in a session: `readOnlyHolds` checks.
 * Lifting it (a claim) also opens what a lock closed (walls.ts): the login, connections.
 *
 * @example
 * await setReadOnly(client, 'gdb_0123456789abcdef01234567', true);
 */
export async function setReadOnly(db: Queryable, name: string, readOnly: boolean): Promise<void> {
  const [database, role] = [ident(name), ident(name)];
  await db.query(
    readOnly
      ? `ALTER DATABASE ${database} SET ${READ_ONLY} = on; ALTER ROLE ${role} IN DATABASE ${database} SET ${READ_ONLY} = on`
      : `ALTER DATABASE ${database} RESET ${READ_ONLY}; ALTER ROLE ${role} IN DATABASE ${database} RESET ${READ_ONLY}; ALTER ROLE ${role} LOGIN;
         ALTER DATABASE ${database} ALLOW_CONNECTIONS true`,
  );
}

/**
 * Both settings `setReadOnly` makes are still in place.
 *
 * @example
 * if (!(await readOnlyHolds(client, name))) await setReadOnly(client, name, true);
 */
export async function readOnlyHolds(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
     WHERE d.datname = $1 AND (s.setrole = 0 OR s.setrole = (SELECT oid FROM pg_roles WHERE rolname = $1))
       AND '${READ_ONLY}=on' = ANY (s.setconfig)`,
    [name],
  );
  return rows[0]!.n === 2;
}

/**
 * The database's size in bytes. Reading it needs CONNECT, which serve has as a member
 * of the owner — unless the owner revoked its own, or (on 14) serve's membership: then
 * both are granted back first.
 *
 * @example
 * const bytes = await databaseSize(client, 'gdb_0123456789abcdef01234567');
 */
export async function databaseSize(db: Queryable, name: string): Promise<number> {
  const size = () => db.query<{ bytes: string }>('SELECT pg_database_size($1)::text AS bytes', [name]);
  try {
    return Number((await size()).rows[0]!.bytes);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    await actFor(db, name);
    await db.query(`GRANT CONNECT ON DATABASE ${ident(name)} TO ${ident(name)}`);
    return Number((await size()).rows[0]!.bytes);
  }
}

/** What template0 takes on a stock PostgreSQL 14–18, when no copy of it can be measured. */
const TEMPLATE_BYTES_GUESS = 8 * 1024 * 1024;

/**
 * The size a new database starts at: the template's, or template0's (the template is a
 * plain copy of it) when the template belongs to another admin role on the cluster and this
 * one may not measure it. Never fails for want of a privilege.
 *
 * @example
 * const bytes = await templateSize(client);
 */
export async function templateSize(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(
    `SELECT pg_database_size(datname)::text AS bytes FROM pg_database
     WHERE datname IN ($1, 'template0') AND has_database_privilege(datname, 'CONNECT') ORDER BY datname = $1 DESC LIMIT 1`,
    [TEMPLATE],
  );
  return rows.length > 0 ? Number(rows[0]!.bytes) : TEMPLATE_BYTES_GUESS;
}

/** Databases every role may connect to (PUBLIC has CONNECT): the roles serve makes too. */
export async function databasesOpenToAll(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datallowconn AND has_database_privilege('public', oid, 'CONNECT') ORDER BY datname`,
  );
  return rows.map((row) => row.datname);
}

/** Closes the doors `databasesOpenToAll` finds, on a cluster serve owns (--embedded). */
export async function closeToAll(db: Queryable, names: string[]): Promise<void> {
  for (const name of names) await db.query(`REVOKE CONNECT ON DATABASE ${ident(name)} FROM PUBLIC`);
}
