/**
 * A connection string → pg's client config, parsed here rather than by
 * pg-connection-string: that one prints a deprecation warning for `sslmode=require`,
 * and we want libpq's names to mean something stricter (see `tlsFor`).
 */
import { isIP } from 'node:net';
import type pg from 'pg';
import { GetDbError } from '../errors.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const TLS_MODES = new Set(['require', 'verify-ca', 'verify-full', 'prefer', 'allow']);

function invalidUrl(reason: string): GetDbError {
  return new GetDbError('SEED_FAILED', `The database URL is not usable: ${reason}.`, {
    hint: 'Expected postgresql://user:password@host:port/database?sslmode=require',
  });
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalidUrl(`its ${what} is not valid percent-encoding`);
  }
}

/**
 * Every TLS mode verifies the certificate chain and the host name: Neon's URLs say
 * `sslmode=require`, and a seed carries the data and the password. Extra CAs come
 * from NODE_EXTRA_CA_CERTS. `disable` (or no sslmode, as in node-postgres) means plain TCP.
 */
function tlsFor(sslmode: string | null, host: string): pg.ClientConfig['ssl'] {
  if (sslmode === null || sslmode === 'disable') return false;
  if (!TLS_MODES.has(sslmode)) throw invalidUrl(`sslmode=${sslmode} is not a known mode`);
  // SNI carries names only (RFC 6066); Neon routes by it.
  return isIP(host) === 0 ? { rejectUnauthorized: true, servername: host } : { rejectUnauthorized: true };
}

function connectTimeoutMs(value: string | null): number {
  if (value === null) return DEFAULT_CONNECT_TIMEOUT_MS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw invalidUrl(`connect_timeout=${value} is not a number of seconds`);
  // libpq: 0 means wait forever; pg: 0 means no timeout too.
  return Math.round(seconds * 1000);
}

export function pgConfigFromUrl(url: string): pg.ClientConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl('it is not a URL');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw invalidUrl(`the scheme is ${parsed.protocol.replace(/:$/, '')}, not postgresql`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalidUrl('it names no host');
  const params = parsed.searchParams;
  const user = decode(parsed.username, 'user name');
  const channelBinding = params.get('channel_binding');
  return {
    host,
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user,
    password: decode(parsed.password, 'password'),
    database: decode(parsed.pathname.replace(/^\//, ''), 'database name') || user,
    ssl: tlsFor(params.get('sslmode'), host),
    enableChannelBinding: channelBinding === 'require',
    application_name: 'get-db',
    connectionTimeoutMillis: connectTimeoutMs(params.get('connect_timeout')),
    keepAlive: true,
  };
}
