/**
 * How serve opens its admin sessions: the startup options every one carries, and the
 * deadlines that keep a server which answers nothing (frozen, or cut off) from holding
 * serve up: the connect, and every statement, on both sides of the wire.
 */
import pg from 'pg';
import type { InDatabase } from './cluster.js';

/** A connection attempt gives up after this (a frozen server accepts TCP but never answers). */
export const CONNECT_TIMEOUT_MS = 5_000;
/**
 * PostgreSQL cancels an admin statement after this (statement_timeout); the client gives up
 * a second later (query_timeout). Generous: a CREATE DATABASE on a busy PostgreSQL 14 waits
 * for a checkpoint. A frozen server is found much sooner, by the watchdog (watchdog.ts).
 */
export const ADMIN_STATEMENT_S = 60;

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
const ADMIN_SESSION = ['search_path=pg_catalog,pg_temp', 'lock_timeout=10s', `statement_timeout=${ADMIN_STATEMENT_S}s`];

/**
 * …and in a database a tenant owns, whose owner may set defaults for whoever enters (`ALTER
 * DATABASE … SET`): read-only, 1 ms timeouts, a `role` serve is a member of, a library
 * that is not there (every session would fail to start). Startup options outrank those
 * defaults from the first moment, before any statement runs.
 */
const ENTERING_TENANT_DATABASE = [
  ...ADMIN_SESSION,
  'default_transaction_read_only=off',
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
 * The admin URL's connection settings with ADMIN_SESSION's startup options and the
 * deadlines: every session serve opens on that server is made from these.
 *
 * @example
 * const pool = new pg.Pool(adminSession(pgConfigFromUrl(adminUrl)));
 */
export function adminSession(config: pg.ClientConfig): pg.ClientConfig {
  return { ...config, options: startupOptions(ADMIN_SESSION), connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: (ADMIN_STATEMENT_S + 1) * 1000 };
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
