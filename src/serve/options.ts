/**
 * `get-db serve` options: parsed and checked before anything starts, so a typo is one
 * line and exit 2, not a half-started server. Pure.
 */
import { pgConfigFromUrl } from '../seed/pg-config.js';
import { parseCount, parseDuration, parsePort, parseRateLimit, parseRequestTimeout, parseSize, parseTrustProxy, usage, type RateLimit } from './option-values.js';

export interface ServeOptions {
  port: number;
  host: string;
  /** Admin URLs of the PostgreSQL servers to provision on (the first also holds the state); empty with `embedded`. */
  postgresUrls: string[];
  embedded: boolean;
  dataDir: string | undefined;
  /** With `embedded`: the port its PostgreSQL listens on (default: a free one, kept in --data-dir). */
  embeddedPort: number | undefined;
  /** host[:port] put in connection strings, one per server in order; empty: each admin URL's. */
  publicHosts: string[];
  /** Base URL clients reach this server at; default http://<host>:<port>. */
  publicUrl: string | undefined;
  /** Further names clients reach this server by (the Host allowlist: see browser-guard.ts). */
  allowedHosts: string[];
  ttlMs: number;
  /** Creates per client address; undefined: unlimited. */
  rateLimit: RateLimit | undefined;
  /** An unclaimed database over this many bytes becomes read-only. */
  storageLimitBytes: number;
  /** How often expired databases are dropped and sizes checked. */
  sweepIntervalMs: number;
  /**
   * Proxies in front of serve that append to X-Forwarded-For (0: none, use the socket's
   * address). The client is the entry this many hops from the right.
   */
  trustProxyHops: number;
  /** Open HTTP connections at most; more are closed at once (file descriptors stay free). */
  maxConnections: number;
  /** A client must send its whole request (headers and body) within this. */
  requestTimeoutMs: number;
  /** Creates that may wait for an admin session; more are answered 503 with Retry-After. */
  createQueue: number;
  /** CONNECTION LIMIT of each role serve makes. */
  connectionsPerDatabase: number;
  /**
   * Sessions all tenants of a server may hold together; the sweeper ends the newest past it.
   * undefined: what the server has, less its reserved slots and a margin for serve.
   */
  maxTenantConnections: number | undefined;
  /** Live databases (warm pool included) each PostgreSQL server may hold; creates past it get 503. */
  maxDatabases: number;
  /** Creates on a server get 503 while its free disk is under this. */
  minFreeDiskBytes: number;
  /**
   * The disk each server's PostgreSQL may fill, for servers whose free space serve cannot
   * read itself (not on this machine): none, one for all, or one per --postgres-url.
   */
  diskSizes: number[];
  /** Databases kept ready to hand out (0: none; creates make each on demand). */
  pool: number;
  /** Serve GET /metrics (Prometheus text). */
  metrics: boolean;
  /** With `metrics`: scrapes must send `Authorization: Bearer <token>` (env GET_DB_SERVE_METRICS_TOKEN). */
  metricsToken: string | undefined;
  /** Claimed databases each PostgreSQL server keeps at most (0: claims are refused). */
  maxClaimed: number;
  /** How long a claimed database is kept after its claim; undefined: until an operator drops it. */
  claimedTtlMs: number | undefined;
  /** The admin API (/admin/v1) answers `Authorization: Bearer <token>` (env GET_DB_SERVE_ADMIN_TOKEN); undefined: off. */
  adminToken: string | undefined;
}

function checkPostgresUrl(raw: string): string {
  try {
    pgConfigFromUrl(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^The database URL is not usable: /, '') : String(error);
    throw usage(`--postgres-url is not usable: ${reason}`, 'e.g. --postgres-url postgresql://postgres:secret@db.internal:5432/postgres?sslmode=require');
  }
  return raw;
}

/** A URL, or undefined for text that is not one. */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function checkPublicHost(raw: string): string {
  const url = parseUrl(`postgresql://${raw}`);
  if (!url || url.hostname === '' || url.pathname !== '' || url.username || url.search) {
    throw usage(`--public-host must be a host name with an optional port, not "${raw}".`, 'e.g. --public-host db.example.com:5432');
  }
  return raw;
}

function checkPublicUrl(raw: string): string {
  const url = parseUrl(raw);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw usage(`--public-url must be an http(s) URL without a query, not "${raw}".`, 'e.g. --public-url https://db.example.com');
  }
  return url.href.replace(/\/+$/, '');
}

function checkAllowedHost(raw: string): string {
  const url = parseUrl(`http://${raw}`);
  if (!url || url.hostname === '' || url.port !== '' || url.pathname !== '/' || url.username || url.search || url.hash) {
    throw usage(`--allowed-host must be a host name without a port, not "${raw}".`, 'e.g. --allowed-host getdb.internal');
  }
  return url.hostname;
}

/** Tokens that can be guessed are no lock on an API that drops databases. */
const ADMIN_TOKEN_MIN = 16;

function checkAdminToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < ADMIN_TOKEN_MIN) {
    throw usage(`GET_DB_SERVE_ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN} characters.`, 'e.g. GET_DB_SERVE_ADMIN_TOKEN=$(openssl rand -hex 32)');
  }
  return raw;
}

/**
 * "30d", or "never" (also "off"): claimed databases are kept until dropped.
 *
 * @example
 * [parseClaimedTtl('30d'), parseClaimedTtl('never')]; // [2592000000, undefined]
 */
export function parseClaimedTtl(raw: string): number | undefined {
  return /^\s*(never|off)\s*$/i.test(raw) ? undefined : parseDuration(raw, '--claimed-ttl');
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
/** A repeatable option: commander collects an array; a caller may pass one string. */
const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

/**
 * The server's name in the state and the metrics: host:port of its URL (so keep that stable).
 *
 * @example
 * serverKey('postgresql://admin:pw@db.internal:5432/postgres'); // 'db.internal:5432'
 */
export const serverKey = (url: string) => new URL(url).host;

function checkServers(urls: string[], publicHosts: string[], diskSizes: number[] = []): void {
  const keys = urls.map(serverKey);
  const twice = keys.find((key, i) => keys.indexOf(key) !== i);
  if (twice) throw usage(`--postgres-url names ${twice} twice.`, 'Give each PostgreSQL server once.');
  if (publicHosts.length > 0 && publicHosts.length !== urls.length) {
    throw usage(`Give one --public-host per --postgres-url, in the same order (${urls.length} servers, ${publicHosts.length} public hosts).`);
  }
  if (diskSizes.length > 1 && diskSizes.length !== urls.length) {
    throw usage(`Give one --disk-size for all servers, or one per --postgres-url in the same order (${urls.length} servers, ${diskSizes.length} sizes).`);
  }
}

/** `--postgres-url` (repeatable), else env GET_DB_SERVE_POSTGRES_URL; unchecked. */
const givenPostgresUrls = (raw: Record<string, unknown>, env: NodeJS.ProcessEnv) => {
  const given = list(raw.postgresUrl);
  return given.length > 0 ? given : env.GET_DB_SERVE_POSTGRES_URL ? [env.GET_DB_SERVE_POSTGRES_URL] : [];
};

/**
 * The servers for the operator's tools (`get-db serve list`, …): the same `--postgres-url`
 * list serve runs with, checked; at least the first, which holds the state.
 *
 * @example
 * parseOperatorUrls({ postgresUrl: ['postgresql://admin:pw@db:5432/postgres'] }, process.env);
 */
export function parseOperatorUrls(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string[] {
  const urls = givenPostgresUrls(raw, env).map(checkPostgresUrl);
  if (urls.length === 0) throw usage('Which serve? Give its --postgres-url (or GET_DB_SERVE_POSTGRES_URL).', 'The first --postgres-url serve runs with holds its state; give the others too to reach their databases.');
  checkServers(urls, []);
  return urls;
}

export function parseServeOptions(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const postgresUrls = givenPostgresUrls(raw, env);
  const embedded = raw.embedded === true;
  const host = text(raw.host) ?? '127.0.0.1';
  const metricsToken = env.GET_DB_SERVE_METRICS_TOKEN || undefined;
  // Each value is checked first, so a typo is named before what is missing is.
  const options: ServeOptions = {
    port: parsePort(text(raw.port) ?? '3000'),
    host,
    postgresUrls: postgresUrls.map(checkPostgresUrl),
    embedded,
    dataDir: text(raw.dataDir),
    embeddedPort: raw.embeddedPort === undefined ? undefined : parsePort(String(raw.embeddedPort), '--embedded-port', 1),
    publicHosts: list(raw.publicHost).map(checkPublicHost),
    publicUrl: raw.publicUrl === undefined ? undefined : checkPublicUrl(String(raw.publicUrl)),
    allowedHosts: list(raw.allowedHost).map(checkAllowedHost),
    ttlMs: parseDuration(text(raw.ttl) ?? '72h', '--ttl'),
    rateLimit: parseRateLimit(text(raw.rateLimit) ?? '30/min'),
    storageLimitBytes: parseSize(text(raw.storageLimit) ?? '100MB', '--storage-limit'),
    sweepIntervalMs: parseDuration(text(raw.sweepInterval) ?? '30s', '--sweep-interval'),
    trustProxyHops: parseTrustProxy(raw.trustProxy),
    maxConnections: parseCount(text(raw.maxConnections) ?? '500', '--max-connections', 10, 1_000_000),
    requestTimeoutMs: parseRequestTimeout(text(raw.requestTimeout) ?? '10s'),
    createQueue: parseCount(text(raw.createQueue) ?? '250', '--create-queue', 1, 100_000),
    connectionsPerDatabase: parseCount(text(raw.connectionsPerDatabase) ?? '5', '--connections-per-database', 1, 10_000),
    maxTenantConnections: raw.maxTenantConnections === undefined ? undefined : parseCount(String(raw.maxTenantConnections), '--max-tenant-connections', 1, 1_000_000),
    maxDatabases: parseCount(text(raw.maxDatabases) ?? '1000', '--max-databases', 1, 1_000_000),
    minFreeDiskBytes: parseSize(text(raw.minFreeDisk) ?? '1GB', '--min-free-disk'),
    diskSizes: list(raw.diskSize).map((size) => parseSize(size, '--disk-size')),
    pool: parseCount(text(raw.pool) ?? '0', '--pool', 0, 10_000),
    metrics: raw.metrics === true,
    metricsToken,
    maxClaimed: parseCount(text(raw.maxClaimed) ?? '100', '--max-claimed', 0, 1_000_000),
    claimedTtlMs: parseClaimedTtl(text(raw.claimedTtl) ?? 'never'),
    adminToken: checkAdminToken(env.GET_DB_SERVE_ADMIN_TOKEN),
  };
  if (embedded && postgresUrls.length > 0) throw usage('Give either --postgres-url or --embedded, not both.');
  if (!embedded && postgresUrls.length === 0) {
    throw usage('get-db serve needs a PostgreSQL to provision on.', 'Pass --postgres-url <admin URL> (or GET_DB_SERVE_POSTGRES_URL), or --embedded to start one.');
  }
  if (raw.dataDir !== undefined && !embedded) throw usage('--data-dir goes with --embedded.');
  if (raw.embeddedPort !== undefined && !embedded) throw usage('--embedded-port goes with --embedded.', 'With --postgres-url, the port is part of the URL.');
  checkServers(options.postgresUrls, options.publicHosts, options.diskSizes);
  if (metricsToken !== undefined && raw.metrics !== true) throw usage('GET_DB_SERVE_METRICS_TOKEN is set but --metrics is not given.', 'Add --metrics to serve GET /metrics.');
  if (host.trim() === '') throw usage('--host must not be empty.');
  return options;
}
