/**
 * Getting a PostgreSQL ready for serve, and saying exactly what is missing when it is
 * not: the admin role's rights, where serve's state lives, the template, and one trial
 * create-and-drop through every statement a create and a reap use.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { GetDbError } from '../../errors.js';
import { closeToAll, createRoleAndDatabase, databaseSize, databasesOpenToAll, dropRoleAndDatabase, endRoleSessions, ensureClosedDatabase, ensureTemplate, grantLogin, ident, type InDatabase } from './cluster.js';
import type { TenantLimits } from '../databases.js';
import { ensureUsersGroup, migrateState, SCHEMA, USERS_GROUP } from '../state/state-schema.js';
import type { Queryable } from '../state/store.js';

/** Where serve keeps its state when it may not make a schema in the URL's database. */
export const STATE_DATABASE = 'get_db_serve';
/** Connection slots kept from tenants by default: serve's pools (10 each) and an operator's psql. */
const KEPT_FOR_SERVE = 20;

export interface Prepared {
  /** The admin connection settings for the database holding serve's state. */
  stateConfig: pg.ClientConfig;
  limits: TenantLimits;
  warnings: string[];
}

export interface TenantConnections {
  perDatabase: number;
  /** Total for all tenants; default: what the server has, less reserved slots and KEPT_FOR_SERVE. */
  total: number | undefined;
}

/**
 * A client that reports a dropped connection as a failed query, never as an uncaught 'error'.
 *
 * @example
 * const client = await openClient(pgConfigFromUrl(adminUrl));
 */
export async function openClient(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config);
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * Settings of every admin session. Functions and operators resolve in pg_catalog only: a
 * tenant may create in a public schema of a database serve works in (PUBLIC may on 14, and
 * on clusters upgraded from it), and there a `public.pg_database_size(text)` would outrank
 * pg_catalog's for an untyped parameter and run as serve. A lock a tenant holds fails the
 * statement after 10 s (to be retried) rather than stall a sweep or a claim.
 */
const ADMIN_SESSION = ['search_path=pg_catalog,pg_temp', 'lock_timeout=10s'];

/**
 * …and in a database a tenant owns, whose owner may set defaults for whoever enters (`ALTER
 * DATABASE … SET`): read-only, 1 ms timeouts, a `role` serve is a member of, a library
 * that is not there (every session would fail to start). Startup options outrank those
 * defaults from the first moment, before any statement runs.
 */
const ENTERING_TENANT_DATABASE = [
  ...ADMIN_SESSION,
  'default_transaction_read_only=off',
  'statement_timeout=60s',
  'idle_in_transaction_session_timeout=0',
  'idle_session_timeout=0',
  'role=none',
  'local_preload_libraries=',
];
/** PostgreSQL 17+ only; older servers refuse a connection that names it. */
const TRANSACTION_TIMEOUT = 'transaction_timeout=0';
const UNKNOWN_SETTING = '42704';

const startupOptions = (settings: string[]) => settings.map((setting) => `-c ${setting}`).join(' ');

/**
 * The admin URL's connection settings with ADMIN_SESSION's startup options: every session
 * serve opens on that server is made from these.
 *
 * @example
 * const pool = new pg.Pool(adminSession(pgConfigFromUrl(adminUrl)));
 */
export function adminSession(config: pg.ClientConfig): pg.ClientConfig {
  return { ...config, options: startupOptions(ADMIN_SESSION) };
}

/**
 * Short-lived admin sessions in other databases (the reaper's DROP OWNED there), with
 * whatever defaults their owner set overridden.
 *
 * @example
 * await inDatabaseVia(adminConfig)('postgres', (db) => db.query('SELECT 1').then(() => {}));
 */
export function inDatabaseVia(config: pg.ClientConfig): InDatabase {
  let settings = [...ENTERING_TENANT_DATABASE, TRANSACTION_TIMEOUT];
  const open = async (database: string): Promise<pg.Client> => {
    try {
      return await openClient({ ...config, database, options: startupOptions(settings) });
    } catch (error) {
      if ((error as { code?: string }).code !== UNKNOWN_SETTING || !settings.includes(TRANSACTION_TIMEOUT)) throw error;
      settings = ENTERING_TENANT_DATABASE;
      return open(database);
    }
  };
  return async (database, work) => {
    const client = await open(database);
    try {
      await work(client);
    } finally {
      await client.end().catch(() => {});
    }
  };
}

class StepFailed extends Error {
  constructor(readonly statement: string, readonly fix: string, override readonly cause: unknown) {
    super((cause as Error).message);
  }
}

/** Runs `work`, naming `statement` and its `fix` if it fails. */
async function step<T>(statement: string, fix: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof StepFailed ? error : new StepFailed(statement, fix, error);
  }
}

interface Rights {
  name: string;
  superuser: boolean;
  createRole: boolean;
  createDb: boolean;
  inherit: boolean;
}

async function checkRights(db: Queryable): Promise<Rights> {
  const { rows } = await db.query<Rights>(
    `SELECT rolname AS name, rolsuper AS superuser, rolcreaterole AS "createRole", rolcreatedb AS "createDb", rolinherit AS inherit
     FROM pg_roles WHERE rolname = current_user`,
  );
  const rights = rows[0]!;
  const admin = ident(rights.name);
  if (!rights.superuser && !(rights.createRole && rights.createDb)) {
    throw new StepFailed('the admin role check', `ALTER ROLE ${admin} CREATEDB CREATEROLE; (as a superuser, or your service's admin role)`, new Error(`role ${rights.name} lacks CREATEDB or CREATEROLE`));
  }
  if (!rights.superuser && !rights.inherit) {
    throw new StepFailed('the admin role check', `ALTER ROLE ${admin} INHERIT;`, new Error(`role ${rights.name} is NOINHERIT, so it cannot act for the roles it makes (end their sessions, measure their databases)`));
  }
  return rights;
}

/**
 * The URL's database when serve may keep a schema there: the schema is this role's (or a role's
 * it is a member of), or absent and the role may create it. Otherwise — e.g. an earlier
 * superuser serve left its schema in `postgres` — a database of its own, closed to PUBLIC.
 */
async function stateDatabase(db: Queryable, admin: string): Promise<string> {
  const { rows } = await db.query<{ here: string; usable: boolean }>(
    `SELECT current_database() AS here,
       COALESCE((SELECT pg_has_role(nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = $1),
                has_database_privilege(current_database(), 'CREATE')) AS usable`,
    [SCHEMA],
  );
  if (rows[0]!.usable) return rows[0]!.here;
  await step(`CREATE DATABASE ${STATE_DATABASE}`, `ALTER ROLE ${admin} CREATEDB;`, () => ensureClosedDatabase(db, STATE_DATABASE, 'TEMPLATE template0'));
  return STATE_DATABASE;
}

/** Every statement of a create and a reap, once, on a throwaway name. */
async function trialRun(db: Queryable, admin: string, inDatabase: InDatabase): Promise<void> {
  const name = `gdb_trial_${randomBytes(6).toString('hex')}`;
  let statement = '';
  const fixes: Array<[RegExp, string]> = [
    [new RegExp(USERS_GROUP), `GRANT ${USERS_GROUP} TO ${admin} WITH ADMIN OPTION; (as the role that made ${USERS_GROUP}, or a superuser)`],
    [/^CREATE ROLE/, `ALTER ROLE ${admin} CREATEROLE;`],
    [/^GRANT/, `the admin role needs ADMIN OPTION on the roles it makes: CREATEROLE gives it (check ALTER ROLE ${admin} CREATEROLE;)`],
    [/^CREATE DATABASE/, `ALTER ROLE ${admin} CREATEDB;`],
  ];
  try {
    await createRoleAndDatabase(db, name, randomBytes(24).toString('base64url'), { connectionLimit: 1, login: false }, (sql) => (statement = sql));
    statement = `ALTER ROLE ${name} LOGIN`; // the warm pool's hand-out
    await grantLogin(db, name);
    statement = `SELECT pg_database_size('${name}')`;
    await databaseSize(db, name);
    statement = `SELECT pg_terminate_backend(…) for role ${name}`;
    await endRoleSessions(db, name);
  } catch (error) {
    const shown = statement.replace(/PASSWORD '[^']*'/, "PASSWORD '…'");
    const fix = fixes.find(([pattern]) => pattern.test((error as Error).message) || pattern.test(statement))?.[1] ?? `ALTER ROLE ${admin} INHERIT CREATEDB CREATEROLE;`;
    throw new StepFailed(shown, fix, error);
  } finally {
    await dropRoleAndDatabase(db, name, inDatabase).catch(() => {});
  }
  await step(`DROP ROLE ${name}`, `ALTER ROLE ${admin} CREATEROLE;`, () => dropRoleAndDatabase(db, name, inDatabase));
}

async function tenantLimits(db: Queryable, wanted: TenantConnections, warnings: string[]): Promise<TenantLimits> {
  const { rows } = await db.query<{ max: number; reserved: number }>(
    `SELECT current_setting('max_connections')::int AS max,
       current_setting('superuser_reserved_connections')::int + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`,
  );
  const available = rows[0]!.max - rows[0]!.reserved;
  const total = wanted.total ?? available - KEPT_FOR_SERVE;
  if (wanted.total !== undefined && wanted.total > available - KEPT_FOR_SERVE) {
    warnings.push(`--max-tenant-connections ${wanted.total} leaves serve fewer than ${KEPT_FOR_SERVE} of the server's ${available} connection slots: tenants could take them all.`);
  }
  const maxDatabases = Math.floor(total / wanted.perDatabase);
  if (maxDatabases < 1) {
    throw new StepFailed('the connection budget', `raise max_connections, or lower --connections-per-database`, new Error(`${total} connections for tenants cannot hold one database of ${wanted.perDatabase}`));
  }
  return { connectionsPerDatabase: wanted.perDatabase, maxDatabases };
}

/** The template, one trial create and drop, and the doors every role has (closed when serve owns the cluster). */
async function prepareCluster(client: Queryable, admin: string, inDatabase: InDatabase, embedded: boolean, warnings: string[], where: string): Promise<void> {
  await step(`CREATE DATABASE get_db_serve_template`, `ALTER ROLE ${admin} CREATEDB;`, () => ensureTemplate(client));
  await trialRun(client, admin, inDatabase);
  const open = await databasesOpenToAll(client);
  if (embedded) await closeToAll(client, open);
  else if (open.length > 0) {
    warnings.push(`Every role may connect to: ${open.join(', ')}${where}; so may the roles serve makes. To close that: REVOKE CONNECT ON DATABASE ${open.join(', ')} FROM PUBLIC; or in pg_hba.conf, allow +${USERS_GROUP} only "sameuser".`);
  }
}

async function prepareState(config: pg.ClientConfig, admin: string, inDatabase: InDatabase, embedded: boolean, warnings: string[]): Promise<void> {
  const client = await openClient(config);
  try {
    await step(`CREATE SCHEMA ${SCHEMA} (in ${config.database})`, `GRANT CREATE ON DATABASE ${ident(String(config.database))} TO ${admin};`, () => migrateState(client));
    // The users group is made with the state; another server needs its own.
    await prepareCluster(client, admin, inDatabase, embedded, warnings, '');
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Another server databases go to (a second `--postgres-url`): the admin role's rights,
 * the users group, the template and a trial create, but no state. Every failure names the
 * statement and its fix.
 *
 * @example
 * const { limits, warnings } = await prepareOtherServer(pgConfigFromUrl(url), { perDatabase: 5, total: undefined });
 */
export async function prepareOtherServer(adminConfig: pg.ClientConfig, wanted: TenantConnections): Promise<Omit<Prepared, 'stateConfig'>> {
  const where = `${adminConfig.host}:${adminConfig.port}`;
  const warnings: string[] = [];
  return explained(where, async () => {
    const client = await openClient(adminConfig);
    try {
      const rights = await checkRights(client);
      const limits = await tenantLimits(client, wanted, warnings);
      await step(`CREATE ROLE ${USERS_GROUP}`, `ALTER ROLE ${ident(rights.name)} CREATEROLE;`, () => ensureUsersGroup(client));
      await prepareCluster(client, ident(rights.name), inDatabaseVia(adminConfig), false, warnings, ` (on ${where})`);
      return { limits, warnings };
    } finally {
      await client.end().catch(() => {});
    }
  });
}

/** StepFailed and other errors as the one line (and fix) an operator reads. */
async function explained<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StepFailed) {
      throw new GetDbError('SERVE_FAILED', `Could not prepare PostgreSQL at ${where}: ${error.statement} failed: ${error.message}`, { hint: `Fix: ${error.fix}`, cause: error.cause });
    }
    throw new GetDbError('SERVE_FAILED', `Could not prepare PostgreSQL at ${where}: ${(error as Error).message}`, {
      hint: 'Check --postgres-url: the server must be reachable, and the role a superuser or one with CREATEDB and CREATEROLE.',
      cause: error,
    });
  }
}

/**
 * Checks and prepares the cluster; every failure names the statement and its fix.
 *
 * @example
 * const { stateConfig, limits, warnings } = await preparePostgres(adminConfig, false, { perDatabase: 5, total: undefined });
 */
export async function preparePostgres(adminConfig: pg.ClientConfig, embedded: boolean, wanted: TenantConnections): Promise<Prepared> {
  const where = `${adminConfig.host}:${adminConfig.port}`;
  const warnings: string[] = [];
  return explained(where, async () => {
    const entry = await openClient(adminConfig);
    let stateConfig: pg.ClientConfig;
    let limits: TenantLimits;
    try {
      const rights = await checkRights(entry);
      stateConfig = { ...adminConfig, database: await stateDatabase(entry, ident(rights.name)) };
      limits = await tenantLimits(entry, wanted, warnings);
      await prepareState(stateConfig, ident(rights.name), inDatabaseVia(adminConfig), embedded, warnings);
    } finally {
      await entry.end().catch(() => {});
    }
    return { stateConfig, limits, warnings };
  });
}
