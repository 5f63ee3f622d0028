/** get-db as a library: the same engine the CLI and the Vite plugin use. */
import type { SeedSummary } from './seed/types.js';
import type { SeedOptions } from './seed/run.js';
export { instantPostgres, type InstantPostgresOptions, type InstantPostgresResult } from './instant-postgres.js';
export { GetDbError, ERROR_CODES, isGetDbError, type ErrorCode, type GetDbErrorOptions } from './errors.js';
export type { InstagresDatabase } from './types.js';
export { DEFAULT_API_URL } from './types.js';

// The steps, for callers that compose their own flow; their option types are exported
// too, so a caller can name what it passes.
export { makeCreatePlan, type CreatePlan, type CreatePlanInput, type IfKeyExists } from './plan/plan.js';
export {
  createIntoEnv,
  type CreateOutcome,
  type CreatedDatabase,
  type SkippedCreate,
  type CreateHooks,
  type CreateStep,
} from './engine/create.js';
export type { SeedProgress, SeedSummary } from './seed/types.js';
export { createDatabase, getDatabase, type ApiCallOptions, type CreateDatabaseOptions } from './provision/api.js';
export { toDirectUrl } from './provision/direct-url.js';
export { formatEnvBlock, type EnvBlockValues } from './env/env-block.js';
export { applyEnvBlock, type ApplyEnvBlockOptions } from './env/env-edit.js';
export { readEnvFile, writeFileAtomic, type WriteOptions } from './env/env-file.js';
export type { SeedOptions } from './seed/run.js';

/** Loaded at first use: pg and the SQL splitter stay out of a plain `import 'get-db'`. */
export async function seedDatabase(options: SeedOptions): Promise<SeedSummary> {
  return (await import('./seed/run.js')).seedDatabase(options);
}

// Reading back what was written (what `get-db claim`, `status` and `seed` start from).
export { readProjectEnv, findClaimUrl, findDatabaseUrl } from './engine/project-env.js';
export { fetchStatus, type DatabaseStatus } from './engine/status.js';
