/**
 * `get-db serve` as a library: listen (answering 503 until ready), connect to (or start)
 * PostgreSQL, prepare it, then serve and sweep. Never prints; the CLI reports what
 * `startServe` returns. Whatever fails part-way is undone: the port is closed again.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { GetDbError, isGetDbError } from '../errors.js';
import { pgConfigFromUrl } from '../seed/pg-config.js';
import { publicEndpointFor, type PublicEndpoint } from './http/database-view.js';
import type { Log } from './log.js';
import type { ServeOptions } from './options.js';
import { boundedServer } from './http/http-server.js';
import { startingGate } from './http/starting.js';
import { SESSIONS_PER_SERVE } from './postgres/slots.js';
import { isLoopbackHost } from './postgres/disk.js';
import { ADMIN_POOL_SIZE, holdSessions, openPools, QUICK_POOL_SIZE, type Pools } from './postgres/pools.js';
import { adminSession, inDatabaseVia, prepareOtherServer, preparePostgres, type ServerFacts, type ServerRequest } from './postgres/prepare.js';
import { openServers, type ServerSpec, type Servers } from './postgres/servers.js';
import { serverKey } from './options.js';
import { createRequestListener } from './http/router.js';
import { browserGuard } from './http/browser-guard.js';
import { watchPause } from './state/pause.js';
import { startSweeper } from './sweeper/sweeper.js';
import { createGuard, type Guard } from './sweeper/guard.js';
import { startPoolFiller } from './pool/warm-pool.js';
import { batchedHandOut } from './pool/hand-out.js';
import { adoptUnplaced, countByState } from './state/store.js';
import type { ServeMetrics } from './metrics.js';
import { NO_METRICS } from './observe.js';
import { isUnavailable } from './unavailable.js';

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

/** Listening beyond this machine while handing out addresses only this machine can use. */
function reachabilityWarnings(options: ServeOptions, endpoint: PublicEndpoint): string[] {
  if (isLoopbackHost(options.host)) return [];
  const warnings: string[] = [];
  if (!options.publicUrl) warnings.push(`Claim links name ${endpoint.publicUrl}; pass --public-url with the address other machines use.`);
  if (isLoopbackHost(new URL(`postgresql://${endpoint.host}`).hostname)) {
    warnings.push(`Connection strings name ${endpoint.host} (from the admin URL); pass --public-host with the address other machines use.`);
  }
  return warnings;
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
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
    disk: servers.all.map((server) => ({ server: server.key, freeBytes: server.disk.freeBytes })),
  }));
}

/** What the options ask of the i-th server. */
function serverRequest(options: ServeOptions, i: number, config: pg.ClientConfig, url: string | undefined, dataDir?: string): ServerRequest {
  return {
    config,
    url,
    dataDir,
    perDatabase: options.connectionsPerDatabase,
    maxDatabases: options.maxDatabases,
    tenantConnections: options.maxTenantConnections,
    diskSize: options.diskSizes[options.diskSizes.length === 1 ? 0 : i],
    minFreeDiskBytes: options.minFreeDiskBytes,
  };
}

const adminConfigOf = (url: string) => adminSession({ ...pgConfigFromUrl(url), application_name: `get-db serve ${process.pid}` });

/**
 * The servers after the first, prepared one by one. One that does not answer is skipped
 * (and prepared when it does: servers.ts); any other failure (credentials, rights) stops
 * the start, naming the server and the fix.
 */
async function otherServers(options: ServeOptions, publicUrl: string, warnings: string[]): Promise<ServerSpec[]> {
  const specs: ServerSpec[] = [];
  for (const [i, url] of options.postgresUrls.entries()) {
    if (i === 0) continue;
    const config = adminConfigOf(url);
    const prepare = () => prepareOtherServer(serverRequest(options, i, config, url));
    let facts: ServerFacts | undefined;
    try {
      facts = await prepare();
      warnings.push(...facts.warnings);
    } catch (error) {
      if (!isUnavailable((error as Error).cause ?? error)) throw error;
      warnings.push(`PostgreSQL at ${serverKey(url)} is not answering (${(error as Error).message.replace(/^Could not prepare PostgreSQL at \S+: /, '')}): creates skip it until it answers; it is prepared then.`);
    }
    specs.push({ key: serverKey(url), config, endpoint: publicEndpointFor(url, options.publicHosts[i], publicUrl), inDatabase: inDatabaseVia(config), facts, prepare });
  }
  return specs;
}

/**
 * Opens every pool's sessions now, in the background: serve holds them before tenants can
 * take the slots. Those PostgreSQL refused (every slot taken) are logged, not fatal.
 */
async function holdAll(pools: Pools, servers: Servers, log: Log): Promise<void> {
  const wanted = [
    { name: servers.all[0]!.key, pool: pools.admin, count: ADMIN_POOL_SIZE },
    { name: `${servers.all[0]!.key} (reads)`, pool: pools.quick, count: QUICK_POOL_SIZE },
    ...servers.all.filter((server) => !server.holdsState && server.up).map((server) => ({ name: server.key, pool: server.pool, count: ADMIN_POOL_SIZE })),
  ];
  for (const { name, pool, count } of wanted) {
    const held = await holdSessions(pool, count);
    if (held < count) log({ level: 'warn', event: 'sessions_refused', server: name, held, wanted: count, hint: 'PostgreSQL refused the rest (every slot taken?); serve opens them as slots free up.' });
  }
}

export async function startServe(options: ServeOptions, hooks: { log: Log }): Promise<RunningServe> {
  const server = boundedServer(options, hooks.log);
  const gate = startingGate();
  server.on('request', gate.listener);
  const port = await listen(server, options.port, options.host);
  let embedded: Awaited<ReturnType<typeof import('./postgres/embedded.js').startEmbeddedPostgres>> | undefined;
  let pools: Pools | undefined;
  let servers: Servers | undefined;
  const stopPostgres = async () => {
    await servers?.stop();
    await pools?.end();
    await embedded?.stop();
  };
  try {
    embedded = options.embedded ? await (await import('./postgres/embedded.js')).startEmbeddedPostgres({ dataDir: options.dataDir, port: options.embeddedPort, superuserReserved: SESSIONS_PER_SERVE }) : undefined;
    const adminUrl = embedded?.adminUrl ?? options.postgresUrls[0]!;
    // The pid tells an operator (and pg_stat_activity) which serve process a session is.
    const adminConfig = adminConfigOf(adminUrl);
    const prepared = await preparePostgres(serverRequest(options, 0, adminConfig, embedded ? undefined : adminUrl, embedded?.dataDir));
    const warnings = [...prepared.warnings];
    pools = openPools(prepared.stateConfig, hooks.log);
    const pool = pools.admin;
    const endpoint = publicEndpointFor(adminUrl, options.publicHosts[0], options.publicUrl ?? defaultPublicUrl(options.host, port));
    const first: ServerSpec = { key: serverKey(adminUrl), config: adminConfig, endpoint, inDatabase: inDatabaseVia(adminConfig), facts: prepared, prepare: async () => prepared };
    let guard: Guard | undefined; // made with the servers it guards, whose beats it hears
    servers = openServers([first, ...(await otherServers(options, endpoint.publicUrl, warnings))], pools, {
      log: hooks.log,
      beat: (target, reading) => guard?.beat(target, reading),
      warn: (target, late) => late.forEach((warning) => hooks.log({ level: 'warn', event: 'server_warning', server: target.key, warning })),
    });
    guard = createGuard(pool, { servers, storageLimitBytes: options.storageLimitBytes, log: hooks.log });
    void holdAll(pools, servers, hooks.log);
    await adoptUnplaced(pool, first.key);
    const metrics = await openMetrics(options, pools.quick, servers);
    const pause = await watchPause(pools.quick);
    const observer = metrics ?? NO_METRICS;
    const ctx = {
      pool,
      servers,
      quickPool: pools.quick,
      endpoint,
      browserGuard: browserGuard({ publicUrl: endpoint.publicUrl, listenHost: options.host, allowedHosts: options.allowedHosts }),
      ttlMs: options.ttlMs,
      storageLimitBytes: options.storageLimitBytes,
      claims: { maxPerServer: options.maxClaimed, ttlMs: options.claimedTtlMs },
      adminToken: options.adminToken,
      pause,
      rateLimit: options.rateLimit,
      trustProxyHops: options.trustProxyHops,
      createQueue: options.createQueue,
      log: hooks.log,
      observer,
      metrics: metrics && { registry: metrics, token: options.metricsToken },
    };
    const filler = options.pool > 0 ? startPoolFiller(servers, options.pool, hooks.log) : undefined;
    const warmPool = filler && { handOut: batchedHandOut(servers), nudge: filler.nudge };
    gate.open(createRequestListener({ ...ctx, warmPool }));
    const sweeper = startSweeper(pool, options.sweepIntervalMs, {
      storageLimitBytes: options.storageLimitBytes,
      rateLimitPeriodMs: options.rateLimit?.periodMs,
      connectionsPerDatabase: options.connectionsPerDatabase,
      servers,
      log: hooks.log,
      observer,
      guard,
    });
    return {
      apiUrl: `${endpoint.publicUrl}/api/v1`,
      port,
      warnings: [...warnings, ...reachabilityWarnings(options, endpoint)],
      close: async () => {
        await closeServer(server);
        pause.stop();
        await filler?.stop();
        await sweeper.stop();
        await guard?.stop();
        await stopPostgres();
      },
    };
  } catch (error) {
    await closeServer(server);
    await stopPostgres();
    throw error;
  }
}
