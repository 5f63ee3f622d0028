/**
 * create_database with `write_env_file: false`: the API's database and its seed, nothing
 * on disk. The same provision, pre-scan and seed calls the env-file create makes.
 */
import { resolve } from 'node:path';
import { withDetails } from '../../errors.js';
import { provision } from '../../engine/create.js';
import { expiryWarnings } from '../../engine/expiry.js';
import { scanSeedFiles } from '../../engine/seed-step.js';
import { resolveApiUrl } from '../../plan/plan.js';
import { checkSeedInputs } from '../../seed/input-checks.js';
import type { SeedSummary } from '../../seed/types.js';
import { DEFAULT_REFERRER } from '../../types.js';
import { toolResult } from '../results.js';
import { tellThePerson } from '../tell.js';
import { claimMeaning, type LocalContext } from './context.js';

export interface UnwrittenInput {
  seedFiles: string[];
  /** A held SQL text's name, applied last. */
  held: string | undefined;
  logical_replication?: boolean;
}

/**
 * Creates (and seeds) a database and returns its URLs.
 *
 * @example
 * return createUnwritten(ctx, { seedFiles: [], held: undefined }, signal);
 */
export async function createUnwritten(ctx: LocalContext, input: UnwrittenInput, signal: AbortSignal) {
  const plan = {
    apiUrl: resolveApiUrl(ctx.apiUrl),
    referrer: DEFAULT_REFERRER,
    logicalReplication: input.logical_replication ?? false,
    seedFiles: [...input.seedFiles.map((file) => resolve(ctx.projectDir, file)), ...(input.held ? [input.held] : [])],
    seedTransaction: true,
  };
  await checkSeedInputs(plan.seedFiles);
  const scan = plan.seedFiles.length > 0 ? await scanSeedFiles(plan, signal) : undefined;
  // The seed disposes its scan; a create that fails first must (a pipe's copy stays otherwise).
  const created = await provision(plan, { signal }).catch(async (error: unknown) => {
    await scan?.dispose();
    throw error;
  });
  const { database, databaseUrl, databaseUrlDirect, expiresAt } = created;
  let seed: SeedSummary | null = null;
  const seedWarnings: string[] = [];
  if (scan) {
    const { seedDatabase } = await import('../../seed/run.js');
    const { warnings, ...counts } = await seedDatabase({ connectionString: databaseUrlDirect, files: plan.seedFiles, signal }, scan).catch((error: unknown) => {
      throw withDetails(error, { databaseId: database.id, claimUrl: database.claim_url, databaseUrl });
    });
    seed = counts;
    seedWarnings.push(...warnings);
  }
  const json = {
    ok: true as const,
    action: 'created' as const,
    id: database.id,
    status: database.status,
    databaseUrl,
    databaseUrlDirect,
    claimUrl: database.claim_url,
    expiresAt: expiresAt.toISOString(),
    envFile: null,
    seed,
    warnings: [...seedWarnings, ...expiryWarnings(expiresAt, new Date())],
  };
  return toolResult(`Created a Postgres database; no file was written (the URLs are in the result). ${tellThePerson(database.claim_url, expiresAt, claimMeaning(plan.apiUrl), new Date())}`, json);
}
