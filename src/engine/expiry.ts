/**
 * An expiry the server says is already past: its clock (or ours) is off, or its answer is
 * stale. A warning of the create outcome, so the CLI says it and --json carries it.
 */
import { expiredAgo } from '../report/format.js';

/**
 * The warnings for a database the API just answered about.
 * @example
 * expiryWarnings(new Date('2026-02-01T10:00:00Z'), new Date('2026-02-01T12:05:00Z'))
 * // ['The API says this database expired 2h 5m ago (expires_at 2026-02-01T10:00:00.000Z): …']
 */
export function expiryWarnings(expiresAt: Date, now: Date): string[] {
  const ago = expiredAgo(expiresAt, now);
  if (ago === undefined) return [];
  return [
    `The API says this database expired ${ago} ago (expires_at ${expiresAt.toISOString()}): the server's clock or this computer's is off, or its answer is stale.`,
  ];
}
