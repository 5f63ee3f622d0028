/**
 * Is the database get-db wrote into the env file still there? Asked only when get-db's own
 * block holds the key and its expiry comment is past: a fresh block (every re-run within the
 * 72 hours) and a value the user typed cost no request.
 */
import { readBlockFacts } from '../env/env-block.js';
import { isGetDbError } from '../errors.js';
import type { CreatePlan } from '../plan/plan.js';
import { formatLocalTime, getDbCommand } from '../report/format.js';

export type ExpiryCheck =
  /** The API no longer knows it: replace it. */
  | { state: 'gone'; expiresAt: Date; apiUrl: string }
  /** The API still knows it (claimed, or its expiry was moved): keep it. */
  | { state: 'alive' }
  /** The API could not say: keep it, and say why. */
  | { state: 'unknown'; warning: string };


/**
 * Undefined when there is nothing to ask (not get-db's block, or not past its expiry).
 *
 * @example
 * const check = await checkExpiry(plan, text, new Date(), signal); // { state: 'gone', expiresAt }
 */
export async function checkExpiry(plan: CreatePlan, text: string, now: Date, signal?: AbortSignal): Promise<ExpiryCheck | undefined> {
  const facts = readBlockFacts(text, plan.key);
  if (!facts || facts.expiresAt.getTime() > now.getTime()) return undefined;
  // Where the database came from; a block written before the API was recorded: the one in use.
  const apiUrl = facts.apiUrl ?? plan.apiUrl;
  const { fetchStatus, STATUS_CHECK } = await import('./status.js');
  try {
    await fetchStatus({ apiUrl, claimUrl: facts.claimUrl, signal, ...STATUS_CHECK });
    return { state: 'alive' };
  } catch (error) {
    if (!isGetDbError(error) || error.code === 'CANCELLED') throw error;
    if (error.code === 'NOT_FOUND') return { state: 'gone', expiresAt: facts.expiresAt, apiUrl };
    const why = error.message.replace(/\.$/, '');
    return {
      state: 'unknown',
      warning: `The database in ${plan.envFile} expired on ${formatLocalTime(facts.expiresAt)} by its comment, but whether it still exists could not be checked (${why}), so it was left as it is. If it is gone: ${getDbCommand('--force', plan.envFile, process.cwd())}`,
    };
  }
}
