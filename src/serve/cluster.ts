/**
 * What serve does to the PostgreSQL cluster itself: roles and databases. Names come only
 * from `newDatabaseName` (hex digits) and are still quoted; passwords go over as SCRAM verifiers.
 */
import pg from 'pg';
import { scramVerifier } from './scram.js';
import { USERS_GROUP } from './state-schema.js';
import type { Queryable } from './store.js';

/** Keeps one database from taking every connection slot of the server. */
export const CONNECTION_LIMIT = 20;

/**
 * New databases are copied from this one, not template1: nobody may connect to it, so no
 * user can block every create (CREATE DATABASE refuses a template with sessions open,
 * and any role may connect to template1 on a stock server). Made from template0: clean.
 */
export const TEMPLATE = 'get_db_serve_template';
const DUPLICATE_DATABASE = '42P04';

export async function ensureTemplate(db: Queryable): Promise<void> {
  const { rows } = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
  if (rows.length > 0) return;
  try {
    await db.query(`CREATE DATABASE ${ident(TEMPLATE)} TEMPLATE template0 IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  } catch (error) {
    // Another serve process starting at the same moment made it first.
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
  }
  await db.query(`REVOKE ALL ON DATABASE ${ident(TEMPLATE)} FROM PUBLIC`);
}

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * A login role that can do nothing outside its own database, and a database only it
 * (and superusers) may connect to. CREATE DATABASE cannot run in a transaction, so a
 * failure part-way is undone by `dropRoleAndDatabase`.
 */
export async function createRoleAndDatabase(db: Queryable, name: string, password: string): Promise<void> {
  const verifier = pg.escapeLiteral(scramVerifier(password));
  await db.query(
    `CREATE ROLE ${ident(name)} LOGIN PASSWORD ${verifier} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
     CONNECTION LIMIT ${CONNECTION_LIMIT} IN ROLE ${ident(USERS_GROUP)}`,
  );
  await db.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(name)} TEMPLATE ${ident(TEMPLATE)}`);
  await db.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
}

/** Idempotent; sessions still connected are ended first (PostgreSQL 13+). */
export async function dropRoleAndDatabase(db: Queryable, name: string): Promise<void> {
  await db.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
  await db.query(`DROP ROLE IF EXISTS ${ident(name)}`);
}

/**
 * Read-only for new sessions of this database; open sessions are ended so they
 * reconnect into it. (A session can still `SET default_transaction_read_only = off`:
 * this is a quota nudge, not a security boundary; see README.)
 */
export async function setReadOnly(db: Queryable, name: string, readOnly: boolean): Promise<void> {
  await db.query(
    readOnly
      ? `ALTER DATABASE ${ident(name)} SET default_transaction_read_only = on`
      : `ALTER DATABASE ${ident(name)} RESET default_transaction_read_only`,
  );
}

export async function endSessions(db: Queryable, name: string): Promise<void> {
  await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
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

export interface AdminRights {
  superuser: boolean;
  createRole: boolean;
  createDb: boolean;
}

export async function adminRights(db: Queryable): Promise<AdminRights> {
  const { rows } = await db.query<AdminRights>(
    `SELECT rolsuper AS superuser, rolcreaterole AS "createRole", rolcreatedb AS "createDb" FROM pg_roles WHERE rolname = current_user`,
  );
  return rows[0] ?? { superuser: false, createRole: false, createDb: false };
}
