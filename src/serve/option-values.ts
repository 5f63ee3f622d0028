/**
 * The values serve's options take — durations, sizes, rates, counts, ports — read from what
 * a person types, each failure a usage error naming the option. Pure.
 */
import { GetDbError } from '../errors.js';

export interface RateLimit {
  count: number;
  periodMs: number;
}

/**
 * A USAGE error (exit 2).
 * @example
 * throw usage('--ttl must be a duration.', 'Try 72h.');
 */
export const usage = (message: string, hint?: string) => new GetDbError('USAGE', message, { hint });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** "72h", "30m", "1.5d", "500ms" → milliseconds. */
export function parseDuration(raw: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$/i.exec(raw);
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!(ms >= 1)) throw usage(`${option} must be a duration such as 72h, 30m or 10s, not "${raw}".`);
  return Math.round(ms);
}

/** "100MB", "1gb", "512kb" → bytes. */
export function parseSize(raw: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)\s*$/i.exec(raw);
  const bytes = match ? Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!(bytes >= 1)) throw usage(`${option} must be a size such as 100MB or 1GB, not "${raw}".`);
  return Math.round(bytes);
}

/** "30/min", "100/h", "off" → a limit, or undefined for none. */
export function parseRateLimit(raw: string): RateLimit | undefined {
  if (/^\s*(off|0|none)\s*$/i.test(raw)) return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\d*\s*[a-z]+)\s*$/i.exec(raw);
  const count = match ? Number(match[1]) : NaN;
  if (!match || !(count >= 1)) throw usage(`--rate-limit must look like 30/min or 100/h (or off), not "${raw}".`);
  const period = /^\d/.test(match[2]!) ? match[2]! : `1${match[2]}`;
  return { count, periodMs: parseDuration(period, '--rate-limit') };
}

/**
 * A whole number in [min, max], or a usage error naming the option.
 *
 * @example
 * parseCount('500', '--max-connections', 10, 1_000_000); // 500
 */
export function parseCount(raw: string, option: string, min: number, max: number): number {
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw usage(`${option} must be a whole number from ${min} to ${max}, not "${raw}".`);
  return value;
}

/**
 * `--trust-proxy` alone trusts one hop (the load balancer); `--trust-proxy 2` two; absent: none.
 *
 * @example
 * [parseTrustProxy(undefined), parseTrustProxy(true), parseTrustProxy('2')]; // [0, 1, 2]
 */
export function parseTrustProxy(raw: unknown): number {
  if (raw === undefined || raw === false) return 0;
  if (raw === true) return 1;
  return parseCount(String(raw), '--trust-proxy', 1, 20);
}

/** At least a second: a shorter deadline would cut off honest clients on slow links. */
export function parseRequestTimeout(raw: string): number {
  const ms = parseDuration(raw, '--request-timeout');
  if (ms < 1000) throw usage(`--request-timeout must be at least 1s, not "${raw}".`);
  return ms;
}

/**
 * A TCP port number, or a usage error naming the option.
 * @example
 * parsePort('5433', '--embedded-port', 1); // 5433
 */
export function parsePort(raw: string, option = '--port', min = 0): number {
  const port = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= min && port <= 65_535)) throw usage(`${option} must be a number from ${min} to 65535, not "${raw}".`);
  return port;
}

