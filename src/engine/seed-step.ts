/**
 * The seed step of a create (or of its re-run): seed through the direct URL, then take the
 * "seed pending" note out of the env file. A failure or a cancel says what remains and how
 * to finish: the same command again, or `get-db seed`.
 */
import { dirname, resolve } from 'node:path';
import { GetDbError, isGetDbError } from '../errors.js';
import { readEnvFile, writeFileAtomic } from '../env/env-file.js';
import { removePendingSeed } from '../env/seed-pending.js';
import type { CreatePlan } from '../plan/plan.js';
import { displayPath, shellArg } from '../report/format.js';
import type { FolderOrder } from '../seed/inputs.js';
import { heldText, STDIN, type SeedInput } from '../seed/seed-input.js';
import type { SeedScan } from '../seed/prescan.js';
import type { SeedProgress, SeedResult, SeedSummary } from '../seed/types.js';
import { DEFAULT_ENV_FILE, DEFAULT_KEY } from '../types.js';

export interface SeedStepHooks {
  signal?: AbortSignal;
  onSeedProgress?: (progress: SeedProgress) => void;
  /** The folders given to --seed and the order their files run in, once checked (before the create). */
  onSeedFolders?: (folders: FolderOrder[]) => void;
}

export interface SeedStepResult {
  summary: SeedSummary;
  warnings: string[];
}

/**
 * The pre-scan of a create's seed files (no server), made before the API call so that a file
 * the seed would refuse costs no database; its result goes on to `seedStep`.
 *
 * @example
 * const scan = await scanSeedFiles(plan, hooks.signal); // throws SEED_UNSUPPORTED for `\copy`
 */
export async function scanSeedFiles(
  plan: Pick<CreatePlan, 'seedFiles' | 'seedTransaction'>,
  hooks: AbortSignal | Pick<SeedStepHooks, 'signal' | 'onSeedFolders'> = {},
): Promise<SeedScan> {
  const { signal, onSeedFolders } = hooks instanceof AbortSignal ? { signal: hooks, onSeedFolders: undefined } : hooks;
  const { prescanSeed } = await import('../seed/prescan.js');
  try {
    const scan = await prescanSeed(plan.seedFiles, { transaction: plan.seedTransaction, signal });
    if (scan.folders.length > 0) onSeedFolders?.(scan.folders);
    return scan;
  } catch (error) {
    if (!isGetDbError(error) || error.code === 'CANCELLED') throw error;
    const hint = `${error.hint ? `${error.hint}\n` : ''}No database was created.`;
    throw new GetDbError(error.code, error.message, { hint, cause: error, details: error.details });
  }
}

/**
 * Seeds `directUrl` with the plan's files; on success the note goes, on failure it stays.
 * `scan`: the files' pre-scan from before the create (made here when there is none).
 *
 * @example
 * const { summary, warnings } = await seedStep(plan, created.databaseUrlDirect, hooks, scan);
 */
export async function seedStep(plan: CreatePlan, directUrl: string, hooks: SeedStepHooks, scan?: SeedScan): Promise<SeedStepResult> {
  const { seedDatabase } = await import('../seed/run.js');
  let result: SeedResult;
  try {
    const options = { connectionString: directUrl, files: plan.seedFiles, transaction: plan.seedTransaction, signal: hooks.signal, onProgress: hooks.onSeedProgress };
    result = await seedDatabase(options, scan);
  } catch (error) {
    throw seedFailure(plan, error);
  }
  const { warnings, ...summary } = result;
  return { summary, warnings: [...warnings, ...(await clearPendingSeed(plan.envFile, plan.key))] };
}

/** What is left after a failed or cancelled seed, and the two ways to finish it. */
function seedFailure(plan: CreatePlan, error: unknown): unknown {
  const finish = `${plan.envFile} keeps the database, marked "seed pending": run the same command again to seed it (no new database is made), or: ${reseedCommand(plan)}`;
  return explainSeedFailure(error, plan.seedTransaction, { failed: finish, cancelled: finish });
}

/**
 * A failed or cancelled seed, saying what of it remains in the database and how to finish
 * (`finish`, after a failure or a cancel); anything that is not a GetDbError is returned as it is.
 *
 * @example
 * throw explainSeedFailure(error, true, { failed: 'Fix the file and run the same command again.', cancelled: 'Run it again.' });
 */
export function explainSeedFailure(error: unknown, transaction: boolean, finish: { failed: string; cancelled: string }): unknown {
  if (!isGetDbError(error)) return error;
  const remains = transaction
    ? 'nothing of the seed remains'
    : 'with --no-transaction what earlier batches ran stays in the database (the failing batch is rolled back), and a re-run starts again from the first statement';
  if (error.code === 'CANCELLED') {
    return new GetDbError('CANCELLED', `Cancelled while seeding; ${remains}.`, { hint: finish.cancelled, cause: error, details: error.details });
  }
  return new GetDbError(error.code, error.message, {
    hint: `${error.hint ? `${error.hint}\n` : ''}The seed stopped here: ${remains}. ${finish.failed}`,
    cause: error,
    details: error.details,
  });
}

/**
 * Takes the note out after a seed committed. Never throws: the seed is done, so a file that
 * cannot be written now is a warning (a re-run would otherwise seed again).
 *
 * @example
 * const warnings = await clearPendingSeed('/app/.env', 'DATABASE_URL');
 */
export async function clearPendingSeed(envFile: string, key: string): Promise<string[]> {
  try {
    const text = await readEnvFile(envFile);
    const cleared = text === undefined ? text : removePendingSeed(text, key);
    if (cleared !== text) await writeFileAtomic(envFile, cleared!);
    return [];
  } catch (error) {
    const why = isGetDbError(error) ? error.message : String(error);
    return [`The seed is done, but its "seed pending" note could not be removed from ${envFile} (${why}). Delete the line "# get-db: seed pending for ${key}: …" yourself, or the next run with --seed seeds again.`];
  }
}

/** How a command line names a seed input; SQL text has no name there but its own. */
/** SQL text (given, or held under a name by the MCP tools) stands as `<name>`: it is no path. */
function seedArg(input: SeedInput): string {
  const text = heldText(input);
  return text ? `<${text.name}>` : shellArg(input as string);
}

/**
 * `get-db seed` reads ./.env unless told otherwise: name the file when it is another one. Standard
 * input has to come through the pipe again.
 *
 * @example
 * reseedCommand({ envFile: '/app/.env', key: 'DATABASE_URL', seedFiles: ['-'] }) // '… | npx get-db seed -'
 */
export function reseedCommand(plan: Pick<CreatePlan, 'envFile' | 'key' | 'seedFiles'>): string {
  const envArg = plan.envFile === resolve(DEFAULT_ENV_FILE) ? '' : ` -e ${shellArg(plan.envFile)}`;
  const keyArg = plan.key === DEFAULT_KEY ? '' : ` -k ${plan.key}`;
  const piped = plan.seedFiles.includes(STDIN) ? '… | ' : '';
  return `${piped}npx get-db seed${envArg}${keyArg} ${plan.seedFiles.map(seedArg).join(' ')}`;
}

/** The seed inputs as the note names them: relative to the env file's folder when inside it. */
export function seedLabels(plan: Pick<CreatePlan, 'envFile' | 'seedFiles'>): string[] {
  return plan.seedFiles.map((input) => {
    const text = heldText(input);
    return text ? `<${text.name}>` : input === STDIN ? '<stdin>' : displayPath(input as string, dirname(plan.envFile));
  });
}
