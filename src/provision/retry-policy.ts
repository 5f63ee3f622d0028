/**
 * When to try an API call again, and how long to wait first. Pure, so the rules can be
 * read (and tested) apart from the sockets.
 */

/** Longest server-requested wait we sit through; beyond it we report instead of hanging. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** Connection failures worth another attempt: the network or the server hiccuped. */
const TRANSIENT_SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export function isTransientSocketError(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_SOCKET_ERRORS.has(code);
}

/** 429 and 5xx say "not now", not "never": nothing was created, so asking again is safe. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date. Undefined when absent or
 * unreadable, so the caller falls back to its own backoff.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with jitter, so many clients retrying at once spread out. */
export function backoffDelay(attempt: number, random = Math.random): number {
  const ceiling = Math.min(4000, 250 * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
