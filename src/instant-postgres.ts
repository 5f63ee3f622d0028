/**
 * The library face: one call that creates a database and writes it into an env file.
 * It never prints, prompts or exits; every failure is a GetDbError with a stable code.
 */
import { asGetDbError, GetDbError } from './errors.js';
import { createIntoEnv, type CreateHooks } from './engine/create.js';
import { makeCreatePlan } from './plan/plan.js';
import { checkOptionTypes } from './option-checks.js';
import { inOptionWordsError } from './option-words.js';
import { DEFAULT_ENV_FILE, DEFAULT_KEY, DEFAULT_PREFIX } from './types.js';

export interface InstantPostgresOptions {
  /** Names your app or template to Instagres (required). */
  referrer: string;
  /** Default `.env`; a relative path resolves against `cwd`. */
  dotEnvFile?: string;
  /** Default `DATABASE_URL`; `<key>_DIRECT` is written too. */
  dotEnvKey?: string;
  /** Default `PUBLIC_`: the claim URL is written as `<prefix>INSTAGRES_CLAIM_URL`. */
  envPrefix?: string;
  seed?: { type: 'sql-script'; path: string };
  settings?: { logicalReplication?: boolean };
  /** Default: `INSTAGRES_API_URL`, else https://instagres.com/api/v1. */
  apiUrl?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
  signal?: AbortSignal;
  /** Replace a key already in the file (old lines kept as comments). Default false: KEY_EXISTS. */
  force?: boolean;
  /** Add an env file git does not ignore to .gitignore. Default true. */
  gitignore?: boolean;
  /** Progress of the steps, for callers that show it. */
  onStep?: CreateHooks['onStep'];
}

export interface InstantPostgresResult {
  id: string;
  databaseUrl: string;
  databaseUrlDirect: string;
  claimUrl: string;
  claimExpiresAt: Date;
  /** Absolute path of the env file written. */
  envFile: string;
}

function requireReferrer(options: InstantPostgresOptions | undefined): string {
  if (!options || typeof options.referrer !== 'string' || options.referrer.trim() === '') {
    throw new GetDbError('INVALID_REFERRER', 'instantPostgres needs a referrer: instantPostgres({ referrer: "your-app-name" }).');
  }
  return options.referrer;
}

export async function instantPostgres(options: InstantPostgresOptions): Promise<InstantPostgresResult> {
  try {
    return await createWith(options);
  } catch (error) {
    // The engine names CLI flags (--api-url, --env); a caller here set options.
    throw inOptionWordsError(asGetDbError(error));
  }
}

async function createWith(options: InstantPostgresOptions): Promise<InstantPostgresResult> {
  const referrer = requireReferrer(options);
  checkOptionTypes(options as unknown as Record<string, unknown>);
  const plan = await makeCreatePlan({
    cwd: options.cwd,
    referrer,
    apiUrl: options.apiUrl,
    envFile: options.dotEnvFile ?? DEFAULT_ENV_FILE,
    key: options.dotEnvKey ?? DEFAULT_KEY,
    prefix: options.envPrefix ?? DEFAULT_PREFIX,
    logicalReplication: options.settings?.logicalReplication ?? false,
    seedFiles: options.seed ? [options.seed.path] : [],
    ifKeyExists: options.force ? 'replace' : 'error',
    gitignore: options.gitignore ?? true,
  });
  const outcome = await createIntoEnv(plan, { signal: options.signal, onStep: options.onStep });
  if (outcome.action === 'skipped') {
    // makeCreatePlan never asks to skip; kept for the type checker.
    throw new GetDbError('KEY_EXISTS', `${plan.key} is already set in ${plan.envFile}.`);
  }
  return {
    id: outcome.action === 'created' ? outcome.database.id : outcome.id,
    databaseUrl: outcome.databaseUrl,
    databaseUrlDirect: outcome.databaseUrlDirect,
    claimUrl: outcome.claimUrl,
    claimExpiresAt: outcome.expiresAt,
    envFile: outcome.envFile,
  };
}
