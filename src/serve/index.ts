/**
 * `get-db serve` as a library: connect to (or start) PostgreSQL, prepare the state
 * schema, listen, sweep. Never prints; the CLI reports what `startServe` returns.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetDbError, isGetDbError } from '../errors.js';
import { pgConfigFromUrl } from '../seed/pg-config.js';
import { publicEndpointFor, type PublicEndpoint } from './http/database-view.js';
import type { Log } from './log.js';
import type { ServeOptions } from './options.js';
import { boundedServer } from './http/http-server.js';
import { openPools, type Pools } from './postgres/pools.js';
import { adminSession, inDatabaseVia, prepareOtherServer, preparePostgres, type TenantConnections } from './postgres/prepare.js';
import { openServers, type ServerSpec, type Servers } from './postgres/servers.js';
import { serverKey } from './options.js';
import { createRequestListener } from './http/router.js';
import { startSweeper } from './sweeper/sweeper.js';
import { startPoolFiller } from './pool/warm-pool.js';
import { batchedHandOut } from './pool/hand-out.js';
import { adoptUnplaced, countByState } from './state/store.js';
import type { ServeMetrics } from './metrics.js';
import { NO_METRICS } from './observe.js';
import type pg from 'pg';

export interface RunningServe {
  /** What clients pass as --api-url / INSTAGRES_API_URL. */
  apiUrl: string;
  port: number;
  /** Things the operator should know (e.g. databases every role may connect to). */
  warnings: string[];
  /** Stops taking requests, lets those in flight finish, then stops sweeping. */
  close(): Promise<void>;
}

function failed(message: string, hint: string, cause: unknown): GetDbError {
  return isGetDbError(cause) ? cause : new GetDbError('SERVE_FAILED', message, { hint, cause });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(failed(`Could not listen on ${host}:${port} (${error.code ?? error.message}).`, error.code === 'EADDRINUSE' ? 'Is another server using the port? Pick one with --port.' : 'Check --host and --port.', error)),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Wildcard addresses cannot be dialled; claim links then name loopback (or use --public-url). */
function defaultPublicUrl(host: string, port: number): string {
  const dialable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${dialable.includes(':') ? `[${dialable}]` : dialable}:${port}`;
}

/** Connections that finish their request while draining turn idle; close them as they do. */
const LOOPBACK = /^(127\.|localhost$|\[?::1\]?$)/;

/** Listening beyond this machine while handing out addresses only this machine can use. */
function reachabilityWarnings(options: ServeOptions, endpoint: PublicEndpoint): string[] {
  if (LOOPBACK.test(options.host)) return [];
  const warnings: string[] = [];
  if (!options.publicUrl) warnings.push(`Claim links name ${endpoint.publicUrl}; pass --public-url with the address other machines use.`);
  if (LOOPBACK.test(new URL(`postgresql://${endpoint.host}`).hostname)) {
    warnings.push(`Connection strings name ${endpoint.host} (from the admin URL); pass --public-host with the address other machines use.`);
  }
  return warnings;
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweepIdle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  await closed;
  clearInterval(sweepIdle);
}

/** prom-client loads only when metrics are asked for; the gauges read the shared state at each scrape. */
async function openMetrics(options: ServeOptions, quick: pg.Pool, servers: Servers): Promise<ServeMetrics | undefined> {
  if (!options.metrics) return undefined;
  const { createMetrics } = await import('./metrics.js');
  const keys = servers.all.map((server) => server.key);
  return createMetrics(async () => ({
    servers: keys,
    databases: (await countByState(quick)).map((row) => ({ ...row, server: row.server ?? keys[0]! })),
  }));
}

/** The servers after the first: prepared one by one (each failure names its server), then pooled. */
async function otherServers(options: ServeOptions, wanted: TenantConnections, publicUrl: string, warnings: string[]): Promise<ServerSpec[]> {
  const specs: ServerSpec[] = [];
  for (const [i, url] of options.postgresUrls.entries()) {
    if (i === 0) continue;
    const config = adminSession({ ...pgConfigFromUrl(url), application_name: `get-db serve ${process.pid}` });
    const prepared = await prepareOtherServer(config, wanted);
    warnings.push(...prepared.warnings);
    specs.push({ key: serverKey(url), config, endpoint: publicEndpointFor(url, options.publicHosts[i], publicUrl), limits: prepared.limits, inDatabase: inDatabaseVia(config) });
  }
  return specs;
}

export async function startServe(options: ServeOptions, hooks: { log: Log }): Promise<RunningServe> {
  const embedded = options.embedded ? await (await import('./postgres/embedded.js')).startEmbeddedPostgres({ dataDir: options.dataDir, port: options.embeddedPort }) : undefined;
  const adminUrl = embedded?.adminUrl ?? options.postgresUrls[0]!;
  // The pid tells an operator (and pg_stat_activity) which serve process a session is.
  const adminConfig = adminSession({ ...pgConfigFromUrl(adminUrl), application_name: `get-db serve ${process.pid}` });
  let pools: Pools | undefined;
  let servers: Servers | undefined;
  const stopPostgres = async () => {
    await servers?.stop();
    await pools?.end();
    await embedded?.stop();
  };
  try {
    const wanted = { perDatabase: options.connectionsPerDatabase, total: options.maxTenantConnections };
    const { stateConfig, limits, warnings } = await preparePostgres(adminConfig, embedded !== undefined, wanted);
    pools = openPools(stateConfig, hooks.log);
    const pool = pools.admin;
    const server = boundedServer(options, hooks.log);
    const port = await listen(server, options.port, options.host);
    const endpoint = publicEndpointFor(adminUrl, options.publicHosts[0], options.publicUrl ?? defaultPublicUrl(options.host, port));
    const first = { key: serverKey(adminUrl), config: adminConfig, endpoint, limits, inDatabase: inDatabaseVia(adminConfig) };
    servers = openServers([first, ...(await otherServers(options, wanted, endpoint.publicUrl, warnings))], pool, hooks.log);
    await adoptUnplaced(pool, first.key);
    const metrics = await openMetrics(options, pools.quick, servers);
    const observer = metrics ?? NO_METRICS;
    const ctx = {
      pool,
      servers,
      quickPool: pools.quick,
      endpoint,
      ttlMs: options.ttlMs,
      storageLimitBytes: options.storageLimitBytes,
      rateLimit: options.rateLimit,
      trustProxyHops: options.trustProxyHops,
      createQueue: options.createQueue,
      log: hooks.log,
      observer,
      metrics: metrics && { registry: metrics, token: options.metricsToken },
    };
    const filler = options.pool > 0 ? startPoolFiller(servers, options.pool, hooks.log) : undefined;
    const warmPool = filler && { handOut: batchedHandOut(servers), nudge: filler.nudge };
    server.on('request', createRequestListener({ ...ctx, warmPool }));
    const sweeper = startSweeper(pool, options.sweepIntervalMs, {
      storageLimitBytes: options.storageLimitBytes,
      rateLimitPeriodMs: options.rateLimit?.periodMs,
      connectionsPerDatabase: limits.connectionsPerDatabase,
      servers,
      log: hooks.log,
      observer,
    });
    return {
      apiUrl: `${endpoint.publicUrl}/api/v1`,
      port,
      warnings: [...warnings, ...reachabilityWarnings(options, endpoint)],
      close: async () => {
        await closeServer(server);
        await filler?.stop();
        await sweeper.stop();
        await stopPostgres();
      },
    };
  } catch (error) {
    await stopPostgres();
    throw error;
  }
}
