/**
 * Finishing an earlier create whose seed never committed (failed, cancelled, killed): the env
 * file holds the database and a "seed pending" note, and a seed is asked for again. The seed
 * runs on that database; no new one is made.
 */
import { GetDbError, withDetails } from '../errors.js';
import type { CreatePlan } from '../plan/plan.js';
import type { SeedSummary } from '../seed/types.js';
import { readDatabaseInFile, type DatabaseInFile } from './project-env.js';
import { seedStep, type SeedStepHooks } from './seed-step.js';

export interface ResumedSeed {
  action: 'resumed';
  reason: 'seed-pending';
  id: string;
  databaseUrl: string;
  databaseUrlDirect: string;
  claimUrl: string;
  expiresAt: Date;
  envFile: string;
  key: string;
  seed: SeedSummary;
  warnings: string[];
}

/** The database the note belongs to, from get-db's own block; refuses to guess when it was edited away. */
function pendingDatabase(plan: CreatePlan, text: string): DatabaseInFile {
  const found = readDatabaseInFile(text, plan.key, plan.prefix);
  if (typeof found !== 'string') return found;
  throw new GetDbError('ENV_READ_FAILED', `${plan.envFile} says a seed is pending for ${plan.key}, but ${found} is missing, so get-db will not guess which database it is.`, {
    hint: `Seed it with npx get-db seed, then delete the line "# get-db: seed pending for ${plan.key}: …"; or pass --force for a new database.`,
  });
}

/**
 * Seeds the database the env file already holds, as the interrupted create would have.
 *
 * @example
 * if (hasPendingSeed(text, plan.key)) return resumeSeed(plan, text, hooks, warnings);
 */
export async function resumeSeed(plan: CreatePlan, text: string, hooks: SeedStepHooks & { onStep?: (step: 'seed') => void }, warnings: string[]): Promise<ResumedSeed> {
  const database = pendingDatabase(plan, text);
  try {
    hooks.onStep?.('seed');
    const { summary, warnings: more } = await seedStep(plan, database.databaseUrlDirect, hooks);
    return { action: 'resumed', reason: 'seed-pending', ...database, envFile: plan.envFile, key: plan.key, seed: summary, warnings: [...warnings, ...more] };
  } catch (error) {
    throw withDetails(error, { databaseId: database.id, claimUrl: database.claimUrl, envFile: plan.envFile });
  }
}
