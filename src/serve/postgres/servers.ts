/**
 * The PostgreSQL servers serve provisions on (`--postgres-url`, repeatable). The first
 * also holds serve's state; its admin pool does both jobs. Each other server has an admin
 * pool of its own for role and database work. A server that fails to answer is skipped
 * by creates (they land on another) and probed until it answers again.
 */
import pg from 'pg';
import type { PublicEndpoint } from '../http/database-view.js';
import type { Log } from '../log.js';
import type { InDatabase } from './cluster.js';
import type { TenantLimits } from '../databases.js';
import { openClient } from './prepare.js';
import { openClusterPool } from './pools.js';

/** How often a server that failed is tried again. */
const PROBE_EVERY_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;

export interface Server {
  /** host:port of its admin URL: how the state rows and the metrics name it. */
  key: string;
  /** Admin sessions for its roles and databases (for the first server, serve's admin pool). */
  pool: pg.Pool;
  config: pg.ClientConfig;
  endpoint: PublicEndpoint;
  limits: TenantLimits;
  inDatabase: InDatabase;
  holdsState: boolean;
  /** False from a failure until a probe gets an answer. */
  up: boolean;
}

export interface Servers {
  all: Server[];
  /** Rows written before several servers existed have no server: they are the first's. */
  of(key: string | null): Server | undefined;
  /** Servers creates may use now, the state's first. */
  healthy(): Server[];
  /** It failed to answer: skip it until a probe gets through. */
  markDown(server: Server, error: unknown): void;
  stop(): Promise<void>;
}

export interface ServerSpec {
  key: string;
  config: pg.ClientConfig;
  endpoint: PublicEndpoint;
  limits: TenantLimits;
  inDatabase: InDatabase;
}

/**
 * @example
 * const servers = openServers([first, second], pools.admin, log);
 * const target = servers.healthy()[0];
 */
export function openServers(specs: ServerSpec[], statePool: pg.Pool, log: Log): Servers {
  const all: Server[] = specs.map((spec, i) => ({
    ...spec,
    pool: i === 0 ? statePool : openClusterPool(spec.config, spec.key, log),
    holdsState: i === 0,
    up: true,
  }));
  const byKey = new Map(all.map((server) => [server.key, server]));
  const probes = new Map<Server, NodeJS.Timeout>();
  const probe = (server: Server) => {
    probes.set(
      server,
      setTimeout(() => {
        openClient({ ...server.config, connectionTimeoutMillis: PROBE_TIMEOUT_MS })
          .then((client) => client.end())
          .then(
            () => {
              probes.delete(server);
              server.up = true;
              log({ level: 'info', event: 'server_up', server: server.key });
            },
            () => probe(server),
          );
      }, PROBE_EVERY_MS),
    );
  };
  return {
    all,
    of: (key) => (key === null ? all[0] : byKey.get(key)),
    healthy: () => all.filter((server) => server.up),
    markDown(server, error) {
      if (!server.up || server.holdsState) return; // the state's server being away is a 503, not a detour
      server.up = false;
      log({ level: 'warn', event: 'server_down', server: server.key, error: (error as Error).message });
      probe(server);
    },
    async stop() {
      for (const timer of probes.values()) clearTimeout(timer);
      await Promise.all(all.slice(1).map((server) => server.pool.end().catch(() => {})));
    },
  };
}
