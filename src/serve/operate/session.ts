/**
 * The operator's tools outside a running serve: sessions to the same `--postgres-url`
 * servers serve uses (the first holds the state, found as serve finds it). One session per
 * server, opened when first needed: the tools run one statement at a time.
 */
import pg from 'pg';
import { GetDbError } from '../../errors.js';
import { pgConfigFromUrl } from '../../seed/pg-config.js';
import { serverKey } from '../options.js';
import { adminSession, inDatabaseVia, locateState, openClient } from '../postgres/prepare.js';
import { migrateState } from '../state/state-schema.js';
import type { ClusterAccess, Clusters } from './clusters.js';

export interface OperatorSession {
  /** The state's database (and the first server's admin statements). */
  state: pg.Client;
  clusters: Clusters;
  close(): Promise<void>;
}

async function connect(config: pg.ClientConfig): Promise<pg.Client> {
  try {
    return await openClient(config);
  } catch (error) {
    throw new GetDbError('SERVE_FAILED', `Could not connect to PostgreSQL at ${config.host}:${config.port}: ${(error as Error).message}`, { hint: 'Check --postgres-url.', cause: error });
  }
}

/** A session on the state, brought to this version's schema as serve's start would (so `pause` finds its table). */
async function openState(config: pg.ClientConfig): Promise<pg.Client> {
  const entry = await connect(config);
  let state = entry;
  try {
    const database = await locateState(entry, `${config.host}:${config.port}`);
    if (database !== config.database) state = await connect({ ...config, database });
    await migrateState(state);
    return state;
  } catch (error) {
    await state.end().catch(() => {});
    throw error;
  } finally {
    if (state !== entry) await entry.end().catch(() => {});
  }
}

/** One session on another server, opened at its first statement (a list of one server's rows needs no other). */
function lazySession(config: pg.ClientConfig): pg.Pool {
  const pool = new pg.Pool({ ...config, max: 1 });
  pool.on('error', () => {}); // an idle session PostgreSQL ended: the next statement reports it
  return pool;
}

/**
 * Opens the state of the serve whose first `--postgres-url` is `urls[0]`.
 *
 * @example
 * const session = await openOperatorSession([process.env.GET_DB_SERVE_POSTGRES_URL!]);
 * try { console.log(await listDatabases(session.state, session.clusters)); } finally { await session.close(); }
 */
export async function openOperatorSession(urls: string[]): Promise<OperatorSession> {
  const configs = urls.map((url) => adminSession({ ...pgConfigFromUrl(url), application_name: `get-db serve operator ${process.pid}` }));
  const state = await openState(configs[0]!);
  const others = configs.slice(1).map(lazySession);
  const access: ClusterAccess[] = [{ db: state, inDatabase: inDatabaseVia(configs[0]!) }, ...others.map((other, i) => ({ db: other, inDatabase: inDatabaseVia(configs[i + 1]!) }))];
  const byKey = new Map(urls.map((url, i) => [serverKey(url), access[i]!]));
  return {
    state,
    // Rows from before several servers name none: they are the first's.
    clusters: (key) => (key === null ? access[0] : byKey.get(key)),
    close: async () => {
      await Promise.all([state.end().catch(() => {}), ...others.map((other) => other.end().catch(() => {}))]);
    },
  };
}
