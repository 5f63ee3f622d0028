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

/** An HTTP error status: the server's words when it gave some, else "unexpected response". */
export function errorFromStatus(host: string, status: number, body: unknown, retryAfterMs?: number): GetDbError {
  const said = readApiErrorBody(body);
  if (said === undefined) return unexpectedResponse(host, status);
  const waitHint = retryAfterMs === undefined ? undefined : `The API asks to try again in ${Math.ceil(retryAfterMs / 1000)} s.`;
  return new GetDbError('API_ERROR', said.message, { hint: said.hint ?? waitHint, details: { status } });
}
