/** What the API says now about the database a claim URL points to. */
import { getDatabase, databaseIdFromClaimUrl, type ApiCallOptions } from '../provision/api.js';
import type { InstagresDatabase } from '../types.js';
import { GetDbError, isGetDbError } from '../errors.js';
import { displayPath, getDbCommand } from '../report/format.js';

export interface DatabaseStatus {
  id: string;
  status: InstagresDatabase['status'];
  expiresAt: Date | undefined;
  connectionStringServed: boolean;
  claimUrl: string;
}

export async function fetchStatus(opts: ApiCallOptions & { claimUrl: string }): Promise<DatabaseStatus> {
  const { claimUrl, ...call } = opts;
  const id = databaseIdFromClaimUrl(claimUrl);
  const database = await getDatabase({ ...call, id });
  const expires = database.expires_at ? new Date(database.expires_at) : undefined;
  return {
    id: database.id,
    status: database.status,
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
    connectionStringServed: typeof database.connection_string === 'string' && database.connection_string !== '',
    claimUrl: database.claim_url || opts.claimUrl,
  };
}

/**
 * The API no longer knows the database an env file names: it expired (unclaimed, after
 * 72 h) or was deleted. Said the same way by `status` and `claim`, with the way to a new one.
 *
 * @example
 * throw databaseGone('/app/.env.local', '/app', error, ', so it cannot be claimed');
 */
function databaseGone(envFile: string, cwd: string, cause: GetDbError, consequence = ''): GetDbError {
  return new GetDbError('NOT_FOUND', `The database in ${displayPath(envFile, cwd)} has expired or no longer exists${consequence}.`, {
    hint: `Create a new one with: ${getDbCommand('--force', envFile, cwd)}`,
    cause,
    details: cause.details,
  });
}

/**
 * `fetchStatus`, with "not found" said as {@link databaseGone} says it.
 *
 * @example
 * const status = await fetchStatusOf('/app/.env', '/app', { apiUrl, claimUrl, signal });
 */
export async function fetchStatusOf(envFile: string, cwd: string, opts: Parameters<typeof fetchStatus>[0], consequence?: string): Promise<DatabaseStatus> {
  try {
    return await fetchStatus(opts);
  } catch (error) {
    if (isGetDbError(error) && error.code === 'NOT_FOUND') throw databaseGone(envFile, cwd, error, consequence);
    throw error;
  }
}

/**
 * The status is advice and the URL is already known: one short attempt, so an API that
 * hangs costs seconds, not the minute of a create's four 15 s attempts (a re-run's expiry
 * check and a seed's look at its database take the same).
 */
export const STATUS_CHECK = { timeoutMs: 5_000, retries: 0 };

/**
 * The status before a claim: `undefined` (and a warning) when the API cannot say, since the
 * URL is still worth opening; a cancel, or a database that is gone, still throws.
 *
 * @example
 * const status = await statusForClaim('/app/.env', '/app', { apiUrl, claimUrl, signal }, warnings);
 */
export async function statusForClaim(envFile: string, cwd: string, opts: { apiUrl: string; claimUrl: string; signal?: AbortSignal }, warnings: string[]): Promise<DatabaseStatus | undefined> {
  try {
    return await fetchStatusOf(envFile, cwd, { ...opts, ...STATUS_CHECK }, ', so it cannot be claimed');
  } catch (error) {
    if (isGetDbError(error) && (error.code === 'CANCELLED' || error.code === 'NOT_FOUND')) throw error;
    const why = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
    warnings.push(`Could not check the database's status (${why}); the URL is from your env file.`);
    return undefined;
  }
}
