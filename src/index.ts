/** get-db as a library: the same engine the CLI and the Vite plugin use. */
export { instantPostgres, type InstantPostgresOptions, type InstantPostgresResult } from './instant-postgres.js';
export { GetDbError, ERROR_CODES, isGetDbError, type ErrorCode } from './errors.js';
export type { InstagresDatabase } from './types.js';
export { DEFAULT_API_URL } from './types.js';

// The steps, for callers that compose their own flow.
export { makeCreatePlan, type CreatePlan, type CreatePlanInput } from './plan/plan.js';
export { createIntoEnv, type CreateOutcome, type CreateHooks, type SeedSummary } from './engine/create.js';
export { createDatabase, getDatabase } from './provision/api.js';
export { toDirectUrl } from './provision/direct-url.js';
export { formatEnvBlock } from './env/env-block.js';
export { applyEnvBlock } from './env/env-edit.js';
export { readEnvFile, writeFileAtomic } from './env/env-file.js';
export { seedDatabase } from './seed/run.js';
