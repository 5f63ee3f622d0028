/**
 * "PostgreSQL is not there right now" (down, restarting, out of connection slots, or
 * serve's own pool too busy to hand out a session in time): what clients see as 503 with
 * a hint rather than a 500, because trying again later works. Pure.
 */
import { GetDbError, isGetDbError } from '../errors.js';

/** PostgreSQL SQLSTATEs that mean the server, not the request, is the problem. */
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown: a fast or smart shutdown ended the session
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '57014', // query_canceled: serve's statement_timeout on a busy server
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded (e.g. a role's connection limit)
]);

/** Node socket errors on the way to PostgreSQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** What node-postgres says when a connection dies or a pool cannot hand one out in time. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/, // a session serve ended: its server stopped answering
  /^Query read timeout$/,
  /^timeout expired$/, // connectionTimeoutMillis: a server that accepts TCP and never answers (frozen)
  /^Connection terminated due to connection timeout$/,
];

function isUnavailableOne(error: { code?: unknown; message?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  if (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || NETWORK_CODES.has(code)) return true;
  const message = typeof error.message === 'string' ? error.message : '';
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * True when `error` (or its `cause`, or one of an AggregateError's `errors`: Node's
 * dual-stack connect reports ECONNREFUSED that way) says PostgreSQL is unreachable for now.
 *
 * @example
 * isUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })); // true
 * isUnavailable(Object.assign(new Error('permission denied'), { code: '42501' })); // false
 */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  if (isGetDbError(error)) return error.code === 'SERVE_UNAVAILABLE';
  const candidate = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (isUnavailableOne(candidate)) return true;
  if (isUnavailable(candidate.cause, depth + 1)) return true;
  return Array.isArray(candidate.errors) && candidate.errors.some((inner) => isUnavailable(inner, depth + 1));
}

/** Seconds a client is told to wait before trying again. */
export const RETRY_AFTER_SECONDS = 5;

/** The JSON body of every such 503. */
export const UNAVAILABLE_BODY = {
  error: 'Service unavailable',
  hint: `The database server behind get-db serve is not reachable right now (restarting or overloaded); try again in ${RETRY_AFTER_SECONDS} s.`,
  reason: 'postgres_unavailable',
} as const;

/**
 * The error callers see for a create that failed because PostgreSQL is away: a GetDbError
 * SERVE_UNAVAILABLE (HTTP 503); any other error passes unchanged.
 *
 * @example
 * throw asUnavailable(error);
 */
export function asUnavailable(error: unknown): unknown {
  if (!isUnavailable(error) || isGetDbError(error)) return error;
  return unreachable(error);
}

/**
 * The SERVE_UNAVAILABLE error for PostgreSQL away, whatever told serve so (`cause`).
 *
 * @example
 * throw unreachable(new Error('127.0.0.1:5432 is not answering the watchdog'));
 */
export function unreachable(cause: unknown): GetDbError {
  return new GetDbError('SERVE_UNAVAILABLE', 'PostgreSQL is not reachable right now.', { hint: UNAVAILABLE_BODY.hint, cause });
}
