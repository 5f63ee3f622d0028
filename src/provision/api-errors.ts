/**
 * Turning an API's unhappy answer into one GetDbError. The docs show `{ error, hint }`-style
 * bodies; other Instagres-compatible servers answer `{ message, hint }` or nest the error,
 * so all three are read. Anything else is an unexpected response, never a crash.
 */
import { GetDbError } from '../errors.js';

export interface ApiErrorText {
  message: string;
  hint?: string;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** The server's own message and hint, when the body carries them in a shape we know. */
export function readApiErrorBody(body: unknown): ApiErrorText | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const nested = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : undefined;
  const message = text(nested?.message) ?? text(record.error) ?? text(record.message);
  if (message === undefined) return undefined;
  const hint = text(nested?.hint) ?? text(record.hint) ?? text(record.details);
  return hint === undefined ? { message } : { message, hint };
}

export function unexpectedResponse(host: string, status: number, why?: string): GetDbError {
  return new GetDbError('UNEXPECTED_RESPONSE', `Unexpected response from ${host} (HTTP ${status})${why ? `: ${why}` : ''}.`, {
    hint: 'Is --api-url (or INSTAGRES_API_URL) an Instagres-compatible API, ending in /api/v1?',
    details: { status },
  });
}

/**
 * An HTTP error status: the server's words when it gave some, else "unexpected response".
 * Without a hint of the server's own, a 5xx says it was the server's failure and how often
 * it was asked (retries happen in silence, so "Failed to create the database." alone reads as
 * a one-off).
 *
 * @example
 * errorFromStatus('instagres.com', 500, { error: 'Failed to create the database.' }, undefined, 4);
 * // hint: 'instagres.com failed (HTTP 500) on all 4 attempts; try again in a minute.'
 */
export function errorFromStatus(host: string, status: number, body: unknown, retryAfterMs?: number, attempts = 1): GetDbError {
  const said = readApiErrorBody(body);
  if (said === undefined) return unexpectedResponse(host, status);
  const waitHint = retryAfterMs === undefined ? undefined : `The API asks to try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
  const serverHint = status >= 500 ? `${host} failed (HTTP ${status})${attempts > 1 ? ` on all ${attempts} attempts` : ''}; try again in a minute.` : undefined;
  return new GetDbError('API_ERROR', said.message, { hint: said.hint ?? waitHint ?? serverHint, details: { status } });
}
