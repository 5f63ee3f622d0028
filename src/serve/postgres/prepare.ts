/**
 * Getting a PostgreSQL ready for serve, and saying exactly what is missing when it is
 * not: a direct session (no pooler), the admin role's rights, where serve's state lives,
 * the template, one trial create-and-drop through every statement a create and a reap use
 * (trial.ts), what tenants may hold of its connection slots (slots.ts), and how its free
 * disk is read (disk.ts).
 */
import pg from 'pg';
import { GetDbError, isGetDbError } from '../../errors.js';
import { closeToAll, databasesOpenToAll, ensureClosedDatabase, ensureTemplate, ident, templateSize, type InDatabase } from './cluster.js';
import type { TenantLimits } from '../databases.js';
import { ensureUsersGroup, migrateState, SCHEMA, USERS_GROUP } from '../state/state-schema.js';
import type { Queryable } from '../state/store.js';
import { inDatabaseVia, openClient } from './admin-session.js';
import { chooseDiskGauge, type DiskGauge } from './disk.js';
import { checkSessionSettings, poolerRefusal, refusedStartupOptions } from './pooler.js';
import { tenantConnectionBudget } from './slots.js';
import { step, StepFailed } from './step.js';
import { dropStaleTrials, trialRun } from './trial.js';

export { adminSession, inDatabaseVia, openClient } from './admin-session.js';

/** Where serve keeps its state when it may not make a schema in the URL's database. */
export const STATE_DATABASE = 'get_db_serve';

/** What serve learns of one server at start. */
export interface ServerFacts {
  limits: TenantLimits;
  disk: DiskGauge;
  /** What one create costs on disk: the template's size, and as much again in WAL. */
  createBytes: number;
  warnings: string[];
}

export interface Prepared extends ServerFacts {
  /** The admin connection settings for the database holding serve's state. */
  stateConfig: pg.ClientConfig;
}

/** What the options ask of one server. */
export interface ServerRequest {
  /** Admin session settings (adminSession). */
  config: pg.ClientConfig;
  /** The --postgres-url it came from (to name a direct one); undefined with --embedded. */
  url: string | undefined;
  /** --embedded: the data directory serve started. */
  dataDir?: string;
  perDatabase: number;
  maxDatabases: number;
  /** --max-tenant-connections; undefined: what the server has, less reserved slots and serve's. */
  tenantConnections: number | undefined;
  /** --disk-size for this server, if given. */
  diskSize: number | undefined;
  /** --min-free-disk. */
  minFreeDiskBytes: number;
}

/** A session with serve's startup options in force; a pooler that refuses or drops them is named. */
async function openDirect(request: ServerRequest): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = await openClient(request.config);
  } catch (error) {
    if (request.url && refusedStartupOptions(error)) throw await poolerRefusal(request.config, request.url, 'it refuses the startup options serve sends');
    throw error;
  }
  try {
    if (request.url) await checkSessionSettings(client, request.config, request.url);
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
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
  const where = await stateWhere(db);
  if (where.usable) return where.here;
  await step(`CREATE DATABASE ${STATE_DATABASE}`, `ALTER ROLE ${admin} CREATEDB;`, () => ensureClosedDatabase(db, STATE_DATABASE, 'TEMPLATE template0'));
  return STATE_DATABASE;
}

/** `usable`: serve keeps its state in the URL's database (`here`); `made`: it is already there. */
async function stateWhere(db: Queryable): Promise<{ here: string; usable: boolean; made: boolean }> {
  const { rows } = await db.query<{ here: string; usable: boolean; made: boolean }>(
    `SELECT current_database() AS here,
       COALESCE((SELECT pg_has_role(nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = $1),
                has_database_privilege(current_database(), 'CREATE')) AS usable,
       EXISTS (SELECT FROM pg_namespace WHERE nspname = $1) AS made`,
    [SCHEMA],
  );
  return rows[0]!;
}

/**
 * The database holding the state serve keeps for this admin URL, found as `preparePostgres`
 * would choose it but without making anything: for the operator's tools. `entry` is a
 * session on the URL's own database.
 *
 * @example
 * const database = await locateState(client, 'db.internal:5432');
 */
export async function locateState(entry: Queryable, where: string): Promise<string> {
  const none = new GetDbError('NOT_FOUND', `No get-db serve state at ${where}.`, { hint: 'Give the first --postgres-url of the serve you mean (it holds the state).' });
  const found = await stateWhere(entry);
  if (found.usable) {
    if (!found.made) throw none;
    return found.here;
  }
  const { rows } = await entry.query('SELECT 1 FROM pg_database WHERE datname = $1', [STATE_DATABASE]);
  if (rows.length === 0) throw none;
  return STATE_DATABASE;
}

/** Limits, disk gauge and create cost: the facts about a server other than its rights. */
async function serverFacts(db: Queryable, request: ServerRequest, admin: string, where: string, warnings: string[]): Promise<Omit<ServerFacts, 'warnings'>> {
  const tenantConnections = await tenantConnectionBudget(db, request.tenantConnections, admin, where, warnings);
  const disk = await chooseDiskGauge(db, { host: request.config.host, dataDir: request.dataDir, diskSize: request.diskSize });
  if (disk.kind === 'none') {
    warnings.push(`Free disk${where} cannot be read from here (not on this machine, or the admin role may not read data_directory): creates there are capped by --max-databases only. Pass --disk-size with the disk PostgreSQL may fill.`);
  }
  return {
    limits: { connectionsPerDatabase: request.perDatabase, maxDatabases: request.maxDatabases, tenantConnections, minFreeDiskBytes: request.minFreeDiskBytes },
    disk,
    createBytes: 2 * (await templateSize(db)),
  };
}

/** Stale trials (a start killed mid-trial), the template, one trial create and drop, and the doors every role has (closed when serve owns the cluster). */
async function prepareCluster(client: Queryable, admin: string, inDatabase: InDatabase, embedded: boolean, warnings: string[], where: string): Promise<void> {
  for (const failure of await dropStaleTrials(client, inDatabase)) warnings.push(`Could not drop ${failure.name}, left by an earlier start${where}: ${failure.error}`);
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

/** StepFailed and other errors as the one line (and fix) an operator reads. */
async function explained<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isGetDbError(error)) throw error;
    if (error instanceof StepFailed) {
      throw new GetDbError('SERVE_FAILED', `Could not prepare PostgreSQL at ${where}: ${error.statement} failed: ${error.message}`, { hint: `Fix: ${error.fix}`, cause: error.cause });
    }
    throw new GetDbError('SERVE_FAILED', `Could not prepare PostgreSQL at ${where}: ${(error as Error).message}`, {
      hint: 'Check --postgres-url: the server must be reachable, and the role a superuser or one with CREATEDB and CREATEROLE.',
      cause: error,
    });
  }
}

const whereOf = (config: pg.ClientConfig) => `${config.host}:${config.port}`;

/**
 * Another server databases go to (a second `--postgres-url`): the admin role's rights,
 * the users group, the template and a trial create, but no state. Every failure names the
 * statement and its fix; one that only says the server is not answering keeps it as its
 * `cause` (`isUnavailable(error.cause)`: serve then skips the server until it answers).
 *
 * @example
 * const { limits, warnings } = await prepareOtherServer({ config, url, perDatabase: 5, maxDatabases: 1000, tenantConnections: undefined, diskSize: undefined, minFreeDiskBytes: 1 << 30 });
 */
export async function prepareOtherServer(request: ServerRequest): Promise<ServerFacts> {
  const where = whereOf(request.config);
  const warnings: string[] = [];
  return explained(where, async () => {
    const client = await openDirect(request);
    try {
      const rights = await checkRights(client);
      await step(`CREATE ROLE ${USERS_GROUP}`, `ALTER ROLE ${ident(rights.name)} CREATEROLE;`, () => ensureUsersGroup(client));
      await prepareCluster(client, ident(rights.name), inDatabaseVia(request.config), false, warnings, ` (on ${where})`);
      return { ...(await serverFacts(client, request, ident(rights.name), ` on ${where}`, warnings)), warnings };
    } finally {
      await client.end().catch(() => {});
    }
  });
}

/**
 * Checks and prepares the first server, which also holds the state; every failure names
 * the statement and its fix.
 *
 * @example
 * const { stateConfig, limits, warnings } = await preparePostgres({ config, url, perDatabase: 5, maxDatabases: 1000, tenantConnections: undefined, diskSize: undefined, minFreeDiskBytes: 1 << 30 });
 */
export async function preparePostgres(request: ServerRequest): Promise<Prepared> {
  const where = whereOf(request.config);
  const warnings: string[] = [];
  return explained(where, async () => {
    const entry = await openDirect(request);
    try {
      const rights = await checkRights(entry);
      const stateConfig = { ...request.config, database: await stateDatabase(entry, ident(rights.name)) };
      await prepareState(stateConfig, ident(rights.name), inDatabaseVia(request.config), request.dataDir !== undefined, warnings);
      return { stateConfig, ...(await serverFacts(entry, request, ident(rights.name), '', warnings)), warnings };
    } finally {
      await entry.end().catch(() => {});
    }
  });
}
