/**
 * The PostgreSQL servers serve provisions on (`--postgres-url`, repeatable). The first
 * also holds serve's state; its admin pool does both jobs. Each other server has an admin
 * pool of its own for role and database work. A watchdog beats on each (watchdog.ts): a
 * server that stops answering is marked down within seconds — creates skip it (they land
 * on another; for the state's server they answer 503 at once), and the sessions in use
 * on it are ended so nothing waits on it — and up again at its first answer. A server not
 * answering at start is prepared at its first answer, then used.
 */
import type pg from 'pg';
import type { PublicEndpoint } from '../http/database-view.js';
import type { Log } from '../log.js';
import type { InDatabase } from './cluster.js';
import type { TenantLimits } from '../databases.js';
import { freeBytes, type DiskGauge } from './disk.js';
import { openClusterPool, type SessionPool } from './pools.js';
import type { ServerFacts } from './prepare.js';
import { BEAT_DEADLINE_MS, NO_ANSWER, startWatchdog, type Beat } from './watchdog.js';

/** A budget gauge sums every database's size: not every beat. */
const BUDGET_EVERY_MS = 30_000;

export interface DiskState {
  gauge: DiskGauge;
  /** As last measured, less what creates took since; undefined: no gauge, or not read yet. */
  freeBytes: number | undefined;
  /** What one create takes (template and WAL). */
  createBytes: number;
}

export interface Server {
  /** host:port of its admin URL: how the state rows and the metrics name it. */
  key: string;
  /** Admin sessions for its roles and databases (for the first server, serve's admin pool). */
  pool: SessionPool;
  config: pg.ClientConfig;
  endpoint: PublicEndpoint;
  limits: TenantLimits;
  inDatabase: InDatabase;
  holdsState: boolean;
  /** False from a failure (or from start, for one not prepared yet) until it answers again. */
  up: boolean;
  disk: DiskState;
  /** The last beat's readings (watchdog.ts). */
  beat: Beat | undefined;
}

export interface Servers {
  all: Server[];
  /** Rows written before several servers existed have no server: they are the first's. */
  of(key: string | null): Server | undefined;
  /** Servers creates may use now, the state's first. */
  healthy(): Server[];
  /** It failed to answer: skip it until the watchdog hears it again. */
  markDown(server: Server, error: unknown): void;
  stop(): Promise<void>;
}

export interface ServerSpec {
  key: string;
  config: pg.ClientConfig;
  endpoint: PublicEndpoint;
  inDatabase: InDatabase;
  /** From its preparation at start; undefined when it did not answer then (`prepare` runs at its first answer). */
  facts: ServerFacts | undefined;
  prepare(): Promise<ServerFacts>;
}

export interface ServerHooks {
  log: Log;
  /** Each beat of each server that is up (pressure checks: guard.ts). */
  beat?(server: Server, reading: Beat): void;
  /** A server prepared late says what the operator should know. */
  warn?(server: Server, warnings: string[]): void;
}

const UNKNOWN_LIMITS: TenantLimits = { connectionsPerDatabase: 0, maxDatabases: 0, tenantConnections: 0, minFreeDiskBytes: 0 };

function serverOf(spec: ServerSpec, pool: SessionPool, holdsState: boolean): Server {
  const { facts } = spec;
  return {
    key: spec.key,
    config: spec.config,
    endpoint: spec.endpoint,
    inDatabase: spec.inDatabase,
    pool,
    holdsState,
    up: facts !== undefined,
    limits: facts?.limits ?? UNKNOWN_LIMITS,
    disk: { gauge: facts?.disk ?? { kind: 'none' }, freeBytes: undefined, createBytes: facts?.createBytes ?? 0 },
    beat: undefined,
  };
}

/** Reads the disk gauge: a local one each beat, a budget (a sum over every database) less often. */
function diskReader(server: Server): () => void {
  let last = -Infinity;
  let reading = false;
  return () => {
    const { gauge } = server.disk;
    if (gauge.kind === 'none' || reading || (gauge.kind === 'budget' && performance.now() - last < BUDGET_EVERY_MS)) return;
    reading = true;
    last = performance.now();
    freeBytes(gauge, server.pool)
      .then((bytes) => (server.disk.freeBytes = bytes), () => {}) // unreadable now: keep the last reading
      .finally(() => (reading = false));
  };
}

/**
 * @example
 * const servers = openServers([first, second], { admin: pools.admin, quick: pools.quick }, { log });
 * const target = servers.healthy()[0];
 */
export function openServers(specs: ServerSpec[], statePools: { admin: SessionPool; quick: SessionPool }, hooks: ServerHooks): Servers {
  const { log } = hooks;
  const all = specs.map((spec, i) => serverOf(spec, i === 0 ? statePools.admin : openClusterPool(spec.config, spec.key, log), i === 0));
  const byKey = new Map(all.map((server) => [server.key, server]));
  const poolsOf = (server: Server) => (server.holdsState ? [statePools.admin, statePools.quick] : [server.pool]);
  const markDown = (server: Server, error: unknown) => {
    if (!server.up) return;
    server.up = false;
    for (const pool of poolsOf(server)) pool.cutOff(true);
    log({ level: 'warn', event: 'server_down', server: server.key, error: (error as Error).message });
  };
  /**
   * When a session of each server last came back from a statement: a beat that times out
   * while other sessions are being answered finds a busy server, not a frozen one.
   */
  const lastAnswer = new Map<Server, number>();
  for (const server of all) for (const pool of poolsOf(server)) pool.on('release', (error) => !error && lastAnswer.set(server, performance.now()));
  const answeredLately = (server: Server) => performance.now() - (lastAnswer.get(server) ?? -Infinity) < BEAT_DEADLINE_MS;
  const markUp = (server: Server) => {
    server.up = true;
    for (const pool of poolsOf(server)) pool.cutOff(false);
    log({ level: 'info', event: 'server_up', server: server.key });
  };
  const preparing = new Set<Server>();
  /** A server that did not answer at start: prepared (trial and all) at its first answer. */
  const prepareLate = (server: Server, spec: ServerSpec) => {
    if (preparing.has(server)) return;
    preparing.add(server);
    spec
      .prepare()
      .then((facts) => {
        server.limits = facts.limits;
        server.disk = { gauge: facts.disk, freeBytes: undefined, createBytes: facts.createBytes };
        spec.facts = facts;
        hooks.warn?.(server, facts.warnings);
        markUp(server);
      })
      .catch((error: unknown) => log({ level: 'error', event: 'server_unprepared', server: server.key, error: (error as Error).message }))
      .finally(() => preparing.delete(server));
  };
  const watchdogs = all.map((server, i) => {
    const readDisk = diskReader(server);
    return startWatchdog(server.config, {
      beat: (reading) => {
        server.beat = reading;
        if (!specs[i]!.facts) return prepareLate(server, specs[i]!);
        if (!server.up) markUp(server);
        readDisk();
        hooks.beat?.(server, reading);
      },
      silent: (error) => {
        if ((error as { code?: string }).code === NO_ANSWER && answeredLately(server)) return;
        markDown(server, error);
      },
    });
  });
  for (const [i, server] of all.entries()) if (!specs[i]!.facts) for (const pool of poolsOf(server)) pool.cutOff(true);
  return {
    all,
    of: (key) => (key === null ? all[0] : byKey.get(key)),
    healthy: () => all.filter((server) => server.up),
    markDown,
    async stop() {
      await Promise.all(watchdogs.map((watchdog) => watchdog.stop()));
      await Promise.all(all.slice(1).map((server) => server.pool.end().catch(() => {})));
    },
  };
}
