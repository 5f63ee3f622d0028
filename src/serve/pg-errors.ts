/**
 * Telling "PostgreSQL is down or restarting" apart from every other failure, so serve
 * can answer 503 (try again) instead of 500, and keep running until it is back.
 */
import { GetDbError, isGetDbError } from '../errors.js';

/** Class 08 (connection exception), 57P01–57P03 (shutdown, crash, starting up), 53300 (no slots). */
const SQLSTATE = /^(08...|57P0[123]|53300)$/;
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres says these in words, without a code.
const PG_MESSAGES = /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed/i;

/**
 * True when `error` means PostgreSQL could not be reached or went away mid-query.
 *
 * @example
 * isPostgresUnavailable(Object.assign(new Error('the database system is starting up'), { code: '57P03' })); // true
 */
export function isPostgresUnavailable(error: unknown): boolean {
  if (isGetDbError(error)) return error.code === 'SERVE_UNAVAILABLE';
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (SQLSTATE.test(code) || NODE_CODES.has(code))) return true;
  return typeof message === 'string' && PG_MESSAGES.test(message);
}

/**
 * The error callers see for a create (or claim) that failed because PostgreSQL is away:
 * a GetDbError with code SERVE_UNAVAILABLE (HTTP 503); any other error passes unchanged.
 *
 * @example
 * throw asUnavailable(error);
 */
export function asUnavailable(error: unknown): unknown {
  if (!isPostgresUnavailable(error) || isGetDbError(error)) return error;
  return new GetDbError('SERVE_UNAVAILABLE', 'PostgreSQL is not reachable right now.', {
    hint: 'It may be restarting; try again in a few seconds.',
    cause: error,
  });
}
