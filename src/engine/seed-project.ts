/**
 * Seeding the database an env file already holds (`get-db seed`, the MCP tool
 * `seed_database`): through its direct URL, with the "seed pending" note taken out once
 * the seed commits.
 */
import { isGetDbError } from '../errors.js';
import { apiUrlForFile } from '../plan/plan.js';
import type { FolderOrder } from '../seed/inputs.js';
import { checkSeedInputs } from '../seed/input-checks.js';
import type { SeedInput } from '../seed/seed-input.js';
import type { SeedProgress, SeedSummary } from '../seed/types.js';
import { findDatabaseUrl, readDatabaseRef, readProjectEnv } from './project-env.js';
import { clearPendingSeed, explainSeedFailure } from './seed-step.js';
import { fetchStatusOf, STATUS_CHECK } from './status.js';

export interface SeedProjectInput {
  /** Absolute path of the env file. */
  envFile: string;
  key: string;
  /** Absolute paths (folders, archives, `-` for standard input), SQL text, or held SQL texts' names, applied in order. */
  files: SeedInput[];
  transaction: boolean;
  signal?: AbortSignal;
  /** Called with the variable the URL came from, before connecting. */
  onStart?: (usedKey: string) => void;
  onProgress?: (progress: SeedProgress) => void;
  /** The folders among `files` and the order their files run in, before the seed starts. */
  onFolders?: (folders: FolderOrder[]) => void;
  /** What to do next after a statement failed, or after a cancel. */
  finish: { failed: string; cancelled: string };
}

export interface SeededProject {
  /** `<key>_DIRECT`, or `key` when only the pooled URL is in the file. */
  usedKey: string;
  summary: SeedSummary;
  warnings: string[];
}

/**
 * A database that refuses the connection may be gone (expired, unclaimed): the server that made
 * it (the env file records which) can say so, and then the error says how to get a new one.
 */
async function goneOrAsIs(error: unknown, envFile: string): Promise<unknown> {
  if (!isGetDbError(error) || error.code !== 'SEED_FAILED' || !error.message.startsWith('Could not connect')) return error;
  try {
    const { claimUrl, apiUrl: recorded } = await readDatabaseRef(envFile);
    const apiUrl = apiUrlForFile(undefined, { recorded, envFile });
    await fetchStatusOf(envFile, process.cwd(), { apiUrl, claimUrl, ...STATUS_CHECK });
  } catch (check) {
    if (isGetDbError(check) && check.code === 'NOT_FOUND') return check;
  }
  return error;
}

/**
 * Checks the files, finds the URL, seeds, clears a pending note.
 *
 * @example
 * const { summary } = await seedProjectDatabase({ envFile: '/app/.env', key: 'DATABASE_URL', files: ['/app/seed.sql'], transaction: true, finish });
 */
export async function seedProjectDatabase(input: SeedProjectInput): Promise<SeededProject> {
  await checkSeedInputs(input.files);
  const { key: usedKey, url } = findDatabaseUrl(await readProjectEnv(input.envFile), input.key);
  input.onStart?.(usedKey);
  const { seedDatabase } = await import('../seed/run.js');
  const summary = await seedDatabase({
    connectionString: url,
    files: input.files,
    transaction: input.transaction,
    signal: input.signal,
    onProgress: input.onProgress,
    onFolders: input.onFolders,
  }).catch(async (error: unknown) => {
    // Said only when statements were sent: a statement failed (its file named) or a cancel.
    // A file the scan refused ("nothing was run") or a connection that failed ran nothing.
    const ran = isGetDbError(error) && (error.code === 'CANCELLED' || (error.code === 'SEED_FAILED' && error.details?.file !== undefined));
    if (!ran) throw await goneOrAsIs(error, input.envFile);
    throw explainSeedFailure(error, input.transaction, input.finish);
  });
  // A create's seed that never finished is finished now: its note goes.
  const { warnings, ...counts } = summary;
  return { usedKey, summary: counts, warnings: [...warnings, ...(await clearPendingSeed(input.envFile, input.key))] };
}
