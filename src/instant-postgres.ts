/**
 * The library face: one call that creates a database and writes it into an env file.
 * It never prints, prompts or exits; every failure is a GetDbError with a stable code.
 */
import { asGetDbError, GetDbError } from './errors.js';
import { createIntoEnv, type CreateHooks, type CreateOutcome } from './engine/create.js';
import { makeCreatePlan, type IfKeyExists } from './plan/plan.js';
import { checkOptionTypes } from './option-checks.js';
import { inOptionWordsError } from './option-words.js';
import { DEFAULT_ENV_FILE, DEFAULT_KEY } from './types.js';
import type { SeedSummary } from './seed/types.js';

export interface InstantPostgresOptions {
  /** Names your app or template to Instagres (required). */
  referrer: string;
  /** Default `.env`; a relative path resolves against `cwd`. */
  dotEnvFile?: string;
  /** Default `DATABASE_URL`; `<key>_DIRECT` is written too. */
  dotEnvKey?: string;
  /**
   * The claim URL is written as `<prefix>INSTAGRES_CLAIM_URL`. Default: the public prefix of
   * the framework in `cwd`'s package.json (`NEXT_PUBLIC_`, `VITE_`…), else `PUBLIC_`: the CLI's rule.
   */
  envPrefix?: string;
  /**
   * Seed the new database: an SQL file, a pg_dump dump (any format, gzip too) or a folder of
   * migrations, or several of them in order; relative paths resolve against `cwd`.
   */
  seed?: { type: 'sql-script'; path: string | string[] };
  settings?: { logicalReplication?: boolean };
  /** Default: `INSTAGRES_API_URL`, else https://instagres.com/api/v1. */
  apiUrl?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
  signal?: AbortSignal;
  /**
   * Replace a key already in the file (old lines kept as comments). Default false: KEY_EXISTS,
   * unless the database there has expired and the API no longer knows it (then it is replaced).
   */
  force?: boolean;
  /** Add an env file git does not ignore to .gitignore. Default true. */
  gitignore?: boolean;
  /** Progress of the steps, for callers that show it. */
  onStep?: CreateHooks['onStep'];
}

export interface InstantPostgresResult {
  /**
   * `created`; `resumed`: a pending seed of the database in the file was finished; `skipped`
   * (reason `another-run`): another get-db run on this env file made it while this call waited.
   */
  action: 'created' | 'resumed' | 'skipped';
  /** `expired` (created: the one in the file was gone), `seed-pending`, `another-run`, or null. */
  reason: 'expired' | 'seed-pending' | 'another-run' | null;
  id: string;
  databaseUrl: string;
  databaseUrlDirect: string;
  claimUrl: string;
  claimExpiresAt: Date;
  /** Absolute path of the env file written. */
  envFile: string;
  /** What the seed did, when there was one. */
  seed: SeedSummary | undefined;
  /** What the caller may want to tell the user (e.g. statements of a dump the new database could not run). */
  warnings: string[];
}

function requireReferrer(options: InstantPostgresOptions | undefined): string {
  if (!options || typeof options.referrer !== 'string' || options.referrer.trim() === '') {
    throw new GetDbError('INVALID_REFERRER', 'instantPostgres needs a referrer: instantPostgres({ referrer: "your-app-name" }).');
  }
  return options.referrer;
}

/**
 * Creates a claimable Postgres database and writes it into the env file; never prints,
 * prompts or exits.
 *
 * @example
 * const db = await instantPostgres({ referrer: 'my-app', dotEnvFile: '.env.local' });
 * console.log(db.claimUrl);
 */
export async function instantPostgres(options: InstantPostgresOptions): Promise<InstantPostgresResult> {
  const outcome = await createOutcome(options, options?.force ? 'replace' : 'error');
  if (outcome.action === 'skipped' && (outcome.reason === 'key-exists' || outcome.database === undefined)) {
    // A key that was there already is KEY_EXISTS from the engine; this is one another run wrote that is not get-db's block.
    throw new GetDbError('KEY_EXISTS', `${outcome.key} is already set in ${outcome.envFile}; nothing was created.`);
  }
  const db = outcome.action === 'skipped' ? outcome.database! : outcome.action === 'created' ? { ...outcome, id: outcome.database.id } : outcome;
  return {
    action: outcome.action,
    reason: (outcome.reason ?? null) as InstantPostgresResult['reason'],
    id: db.id,
    databaseUrl: db.databaseUrl,
    databaseUrlDirect: db.databaseUrlDirect,
    claimUrl: db.claimUrl,
    claimExpiresAt: db.expiresAt,
    envFile: outcome.envFile,
    seed: outcome.action === 'skipped' ? undefined : outcome.seed,
    warnings: outcome.warnings,
  };
}

/**
 * The engine's whole outcome for library options, errors in option words: what
 * instantPostgres reports from, and what the plugins read (`skip` for a start that found the key).
 *
 * @example
 * const outcome = await createOutcome({ referrer: 'my-app' }, 'skip', 'vite');
 */
export async function createOutcome(options: InstantPostgresOptions, ifKeyExists: IfKeyExists, faceFramework?: string): Promise<CreateOutcome> {
  try {
    return await createWith(options, ifKeyExists, faceFramework);
  } catch (error) {
    // The engine names CLI flags (--api-url, --env); a caller here set options.
    throw inOptionWordsError(asGetDbError(error));
  }
}

async function createWith(options: InstantPostgresOptions, ifKeyExists: IfKeyExists, faceFramework: string | undefined): Promise<CreateOutcome> {
  const referrer = requireReferrer(options);
  checkOptionTypes(options as unknown as Record<string, unknown>);
  const plan = await makeCreatePlan({
    cwd: options.cwd,
    referrer,
    apiUrl: options.apiUrl,
    envFile: options.dotEnvFile ?? DEFAULT_ENV_FILE,
    key: options.dotEnvKey ?? DEFAULT_KEY,
    prefix: options.envPrefix,
    faceFramework,
    logicalReplication: options.settings?.logicalReplication ?? false,
    seedFiles: options.seed ? [options.seed.path].flat() : [],
    ifKeyExists,
    gitignore: options.gitignore ?? true,
  });
  return createIntoEnv(plan, { signal: options.signal, onStep: options.onStep });
}
