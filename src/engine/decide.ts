/**
 * What a create does with the env file as it finds it: create, replace (asked to, or the
 * database there has expired), finish a pending seed, or leave a key that is already set
 * (skip, or KEY_EXISTS for the library). Decided before the lock is taken: most re-runs end
 * here, with no lock and no request.
 */
import { GetDbError } from '../errors.js';
import { hasPendingSeed } from '../env/seed-pending.js';
import type { CreatePlan } from '../plan/plan.js';
import { getDbCommand } from '../report/format.js';
import type { CreateHooks, SkippedCreate } from './create.js';
import type { EnvLook } from './existing.js';
import { checkExpiry } from './expired.js';
import { reseedCommand } from './seed-step.js';

export type Intent =
  | { kind: 'resume' }
  | {
      kind: 'create';
      /** Comment out the key's lines in the env file (asked to, or its database expired). */
      replace: boolean;
      reason: 'expired' | undefined;
      /** The API to create at: an expired database's is replaced where it came from, unless one was chosen. */
      apiUrl: string;
    };

/**
 * @example
 * const intent = await decide(plan, await lookForKey(plan), warnings, hooks);
 * if ('action' in intent) return intent; // skipped
 */
export async function decide(plan: CreatePlan, look: EnvLook, warnings: string[], hooks: CreateHooks): Promise<Intent | SkippedCreate> {
  const create = { kind: 'create', replace: plan.ifKeyExists === 'replace', reason: undefined, apiUrl: plan.apiUrl } as const;
  const { found } = look;
  if (!found) return create;
  if (found.file !== plan.envFile) {
    if (plan.ifKeyExists === 'replace') return create;
    return keyExists(plan, found.file, warnings, false);
  }
  const pending = hasPendingSeed(found.text, plan.key);
  if (pending && plan.seedFiles.length > 0 && plan.ifKeyExists !== 'replace') return { kind: 'resume' };
  if (plan.ifKeyExists === 'replace') return create;
  const check = await checkExpiry(plan, found.text, new Date(), hooks.signal);
  if (check?.state === 'gone') {
    return { ...create, replace: true, reason: 'expired', apiUrl: plan.apiUrlGiven ? plan.apiUrl : check.apiUrl };
  }
  const unknown = check?.state === 'unknown' ? check.warning : undefined;
  if (plan.ifKeyExists === 'skip') warnings.push(...(unknown ? [unknown] : []), ...(await emptyKeyWarnings(plan, found.text)));
  return keyExists(plan, found.file, warnings, pending, unknown);
}

/** Skip (the CLI's -y), or KEY_EXISTS (the library): either way the file that sets the key is named. */
function keyExists(plan: CreatePlan, file: string, warnings: string[], pending: boolean, expiryNote?: string): SkippedCreate {
  if (plan.ifKeyExists === 'error') {
    throw new GetDbError('KEY_EXISTS', `${plan.key} is already set in ${file}; nothing was created.`, {
      hint: [expiryNote, 'Pass force: true (CLI: --force) to replace it; the old lines are kept as comments.'].filter(Boolean).join('\n'),
      details: { envFile: file },
    });
  }
  warnings.push(...skipWarnings(plan, pending));
  return { action: 'skipped', reason: 'key-exists', envFile: file, key: plan.key, database: undefined, warnings };
}

/** A skip is never silent about a seed: one that was asked for, or one still pending. */
function skipWarnings(plan: CreatePlan, pending: boolean): string[] {
  if (plan.seedFiles.length > 0) {
    return [`--seed was not applied: ${plan.key} already holds a database. To seed that one: ${reseedCommand(plan)}`];
  }
  if (pending) {
    return [`The seed of the database in ${plan.envFile} never finished ("# get-db: seed pending for ${plan.key}"). Run the same command with --seed <file> again, or ${reseedCommand({ ...plan, seedFiles: [] }).trimEnd()} <file>.`];
  }
  return [];
}

/**
 * `DATABASE_URL=` (an .env.example copied as it is) reads as "not set" to the app, yet the
 * key is in the file, so it is skipped like any other: say so, or "already set" misleads.
 */
async function emptyKeyWarnings(plan: CreatePlan, text: string): Promise<string[]> {
  const { parse } = await import('dotenv');
  if (parse(text)[plan.key] !== '') return [];
  return [`${plan.key} is in ${plan.envFile} but empty, and was left so. To fill it with a new database: ${getDbCommand('--force', plan.envFile, process.cwd())} (the empty line stays as a comment).`];
}
