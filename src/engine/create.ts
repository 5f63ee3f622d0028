/**
 * The create pipeline every face shares (CLI, library, Vite plugin):
 * provision → write env (atomic) → gitignore → seed. The plan is already validated.
 */
import { resolve } from 'node:path';
import { GetDbError, isGetDbError } from '../errors.js';
import { formatEnvBlock } from '../env/env-block.js';
import { applyEnvBlock, hasKey } from '../env/env-edit.js';
import { readEnvFile, writeFileAtomic } from '../env/env-file.js';
import type { CreatePlan } from '../plan/plan.js';
import { DEFAULT_ENV_FILE, DEFAULT_KEY, type InstagresDatabase } from '../types.js';
import { envKeysFor } from './keys.js';
import { expiryWarnings } from './expiry.js';
import type { SeedProgress, SeedSummary } from '../seed/types.js';


export type CreateStep = 'provision' | 'write' | 'seed';

export interface CreateHooks {
  signal?: AbortSignal;
  onStep?: (step: CreateStep) => void;
  onSeedProgress?: (progress: SeedProgress) => void;
}

export interface CreatedDatabase {
  action: 'created';
  database: InstagresDatabase;
  databaseUrl: string;
  databaseUrlDirect: string;
  claimUrl: string;
  expiresAt: Date;
  envFile: string;
  keysWritten: string[];
  /** True when earlier values were kept as comments (--force). */
  replaced: boolean;
  /** The .gitignore that now lists the env file, when this run added it. */
  gitignoreAdded: string | undefined;
  seed: SeedSummary | undefined;
  warnings: string[];
}

export interface SkippedCreate {
  action: 'skipped';
  reason: 'key-exists';
  envFile: string;
  key: string;
  warnings: string[];
}

export type CreateOutcome = CreatedDatabase | SkippedCreate;

/** dotenv never overrides a variable the shell already has, so the file's value would be ignored. */
function shellShadowWarnings(plan: CreatePlan, fileHasKey: boolean): string[] {
  if (fileHasKey || plan.env[plan.key] === undefined) return [];
  return [`${plan.key} is already set in your shell environment; dotenv will not override it, so your app may keep using the shell's value.`];
}

async function provision(plan: CreatePlan, hooks: CreateHooks) {
  const { createDatabase } = await import('../provision/api.js');
  const { toDirectUrl } = await import('../provision/direct-url.js');
  const database = await createDatabase({
    apiUrl: plan.apiUrl,
    referrer: plan.referrer,
    logicalReplication: plan.logicalReplication,
    signal: hooks.signal,
  });
  const databaseUrl = database.connection_string;
  if (!databaseUrl) {
    throw new GetDbError('UNEXPECTED_RESPONSE', 'The API created a database but returned no connection string.');
  }
  return { database, databaseUrl, databaseUrlDirect: toDirectUrl(databaseUrl), expiresAt: new Date(database.expires_at) };
}

type Provisioned = Awaited<ReturnType<typeof provision>>;

/** Re-reads the file just before writing, so edits made while we provisioned survive. */
async function writeEnv(plan: CreatePlan, created: Provisioned): Promise<string[]> {
  const values = {
    key: plan.key,
    prefix: plan.prefix,
    databaseUrl: created.databaseUrl,
    databaseUrlDirect: created.databaseUrlDirect,
    claimUrl: created.database.claim_url,
    expiresAt: created.expiresAt,
  };
  // Unquoted until quoting succeeds, so even a refused value reaches the user.
  let block = [`${plan.key}=${values.databaseUrl}`, `${plan.key}_DIRECT=${values.databaseUrlDirect}`, `${plan.prefix}INSTAGRES_CLAIM_URL=${values.claimUrl}`];
  try {
    block = formatEnvBlock(values);
    const current = (await readEnvFile(plan.envFile)) ?? '';
    const next = applyEnvBlock(current, { key: plan.key, prefix: plan.prefix, block, replace: plan.ifKeyExists === 'replace', now: new Date() });
    await writeFileAtomic(plan.envFile, next);
  } catch (error) {
    // The database exists: whatever went wrong, hand its lines over rather than lose them.
    const cause = isGetDbError(error) ? error : undefined;
    throw new GetDbError('ENV_WRITE_FAILED', cause?.message ?? `Could not write ${plan.envFile}.`, {
      hint: `${cause?.hint ? `${cause.hint} ` : ''}Your database was created; add these lines to your env file yourself.`,
      cause: error,
      details: { ...cause?.details, lines: block, claimUrl: created.database.claim_url },
    });
  }
  return envKeysFor(plan.key, plan.prefix);
}

async function seed(plan: CreatePlan, created: Provisioned, hooks: CreateHooks): Promise<SeedSummary> {
  const { seedDatabase } = await import('../seed/run.js');
  try {
    return await seedDatabase({
      connectionString: created.databaseUrlDirect,
      files: plan.seedFiles,
      transaction: plan.seedTransaction,
      signal: hooks.signal,
      onProgress: hooks.onSeedProgress,
    });
  } catch (error) {
    if (!isGetDbError(error) || error.code === 'CANCELLED') throw error;
    throw new GetDbError(error.code, error.message, {
      hint: `${error.hint ? `${error.hint}\n` : ''}The database and ${plan.envFile} are fine; fix the file and re-run: ${reseedCommand(plan)}`,
      cause: error,
      details: { ...error.details, databaseId: created.database.id, claimUrl: created.database.claim_url, envFile: plan.envFile },
    });
  }
}

/** `get-db seed` reads ./.env unless told otherwise: name the file when it is another one. */
function reseedCommand(plan: CreatePlan): string {
  const envArg = plan.envFile === resolve(DEFAULT_ENV_FILE) ? '' : ` -e ${quoteArg(plan.envFile)}`;
  const keyArg = plan.key === DEFAULT_KEY ? '' : ` -k ${plan.key}`;
  return `npx get-db seed${envArg}${keyArg} ${plan.seedFiles.map(quoteArg).join(' ')}`;
}

function quoteArg(path: string): string {
  return /^[\w./\\:-]+$/.test(path) ? path : JSON.stringify(path);
}

export async function createIntoEnv(plan: CreatePlan, hooks: CreateHooks = {}): Promise<CreateOutcome> {
  const existing = await readEnvFile(plan.envFile);
  const fileHasKey = existing !== undefined && hasKey(existing, plan.key);
  const warnings = shellShadowWarnings(plan, fileHasKey);
  if (fileHasKey && plan.ifKeyExists === 'skip') {
    return { action: 'skipped', reason: 'key-exists', envFile: plan.envFile, key: plan.key, warnings };
  }
  if (fileHasKey && plan.ifKeyExists === 'error') {
    throw new GetDbError('KEY_EXISTS', `${plan.key} is already set in ${plan.envFile}; nothing was created.`, {
      hint: 'Pass force: true (CLI: --force) to replace it; the old lines are kept as comments.',
    });
  }
  // git's answer (one or two short processes) is asked while the API works, and acted on
  // only once the database exists and the env file is written.
  const ignoreTarget = plan.gitignore ? gitIgnoreTarget(plan.envFile) : undefined;
  hooks.onStep?.('provision');
  const created = await provision(plan, hooks);
  hooks.onStep?.('write');
  const keysWritten = await writeEnv(plan, created);
  const gitignoreAdded = await addToGitignore(ignoreTarget);
  let seedSummary: SeedSummary | undefined;
  if (plan.seedFiles.length > 0) {
    hooks.onStep?.('seed');
    seedSummary = await seed(plan, created, hooks);
  }
  return {
    action: 'created',
    ...created,
    claimUrl: created.database.claim_url,
    envFile: plan.envFile,
    keysWritten,
    replaced: fileHasKey,
    gitignoreAdded,
    seed: seedSummary,
    warnings: [...warnings, ...expiryWarnings(created.expiresAt, new Date())],
  };
}

async function gitIgnoreTarget(envFile: string) {
  const { gitIgnoreTarget: ask } = await import('../env/gitignore.js');
  return ask(envFile);
}

async function addToGitignore(target: ReturnType<typeof gitIgnoreTarget> | undefined): Promise<string | undefined> {
  const found = await target;
  if (found === undefined) return undefined;
  const { addGitIgnoreLine } = await import('../env/gitignore.js');
  return addGitIgnoreLine(found);
}

