/**
 * The create pipeline every face shares (CLI, library, Vite plugin):
 * provision → write env (atomic) → gitignore → seed. The plan is already validated.
 */
import { GetDbError, isGetDbError, withDetails } from '../errors.js';
import { formatEnvBlock } from '../env/env-block.js';
import { applyEnvBlock, hasKey } from '../env/env-edit.js';
import { readEnvFile, writeFileAtomic } from '../env/env-file.js';
import { lockEnvFile } from '../env/env-lock.js';
import type { IgnoreTarget } from '../env/gitignore.js';
import type { CreatePlan } from '../plan/plan.js';
import { DEFAULT_API_URL, type InstagresDatabase } from '../types.js';
import { envKeysFor } from './keys.js';
import type { ResumedSeed } from './resume.js';
import { scanSeedFiles, seedLabels, seedStep, type SeedStepHooks } from './seed-step.js';
import { publicPrefixOf } from '../plan/framework.js';
import { expiryWarnings } from './expiry.js';
import { decide, type Intent } from './decide.js';
import { changedMeanwhile, lookForKey, shadowWarnings } from './existing.js';
import { readDatabaseInFile, type DatabaseInFile } from './project-env.js';
import type { SeedScan } from '../seed/prescan.js';
import type { SeedSummary } from '../seed/types.js';

export type { ResumedSeed } from './resume.js';


/**
 * `wait`: another get-db run holds the env file (said once it has lasted a second);
 * `check`: the seed files are pre-scanned (only when seeding), before anything is created.
 */
export type CreateStep = 'wait' | 'check' | 'provision' | 'write' | 'seed';

export interface CreateHooks extends SeedStepHooks {
  onStep?: (step: CreateStep) => void;
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
  /** True when earlier values were kept as comments (--force, or an expired database). */
  replaced: boolean;
  /** 'expired': the key held a database the API no longer knows, so it was replaced. */
  reason: 'expired' | undefined;
  /** The .gitignore that now lists the env file, when this run added it. */
  gitignoreAdded: string | undefined;
  seed: SeedSummary | undefined;
  warnings: string[];
}

export interface SkippedCreate {
  action: 'skipped';
  /** `another-run`: another get-db run on this env file made (or seeded) the database while this one waited. */
  reason: 'key-exists' | 'another-run';
  /** The file that sets the key: the env file, or another one the framework reads. */
  envFile: string;
  key: string;
  /** `another-run`: the database that run wrote, as get-db's block describes it. */
  database: DatabaseInFile | undefined;
  warnings: string[];
}

export type CreateOutcome = CreatedDatabase | SkippedCreate | ResumedSeed;

/** dotenv never overrides a variable the shell already has, so the file's value would be ignored. */
function shellShadowWarnings(plan: CreatePlan, fileHasKey: boolean): string[] {
  if (fileHasKey || plan.env[plan.key] === undefined) return [];
  return [`${plan.key} is already set in your shell environment; dotenv will not override it, so your app may keep using the shell's value.`];
}

/** A key under a public prefix (VITE_DB) is inlined into client code, password and all. */
function publicKeyWarnings(plan: CreatePlan): string[] {
  const prefix = publicPrefixOf(plan.key, plan.prefix);
  if (prefix === undefined) return [];
  return [`${plan.key} starts with ${prefix}, which frameworks expose to client code: the connection string and its password could reach the browser. Prefer a name without it, e.g. DATABASE_URL.`];
}

/**
 * The API call of a create, its answer checked: the database, its two URLs, its expiry.
 *
 * @example
 * const created = await provision({ apiUrl, referrer: 'npm:get-db', logicalReplication: false }, { signal });
 */
export async function provision(plan: Pick<CreatePlan, 'apiUrl' | 'referrer' | 'logicalReplication'>, hooks: CreateHooks) {
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

export type Provisioned = Awaited<ReturnType<typeof provision>>;

/** Re-reads the file just before writing, so edits made while we provisioned survive. */
async function writeEnv(plan: CreatePlan, created: Provisioned, replace: boolean): Promise<string[]> {
  const values = {
    key: plan.key,
    prefix: plan.prefix,
    databaseUrl: created.databaseUrl,
    databaseUrlDirect: created.databaseUrlDirect,
    claimUrl: created.database.claim_url,
    expiresAt: created.expiresAt,
    // Recorded so that status and claim ask the server that made it.
    apiUrl: plan.apiUrl === DEFAULT_API_URL ? undefined : plan.apiUrl,
    // Written with the block, removed once the seed commits: a re-run then knows to finish it.
    seedPending: seedLabels(plan),
  };
  // Unquoted until quoting succeeds, so even a refused value reaches the user.
  let block = [`${plan.key}=${values.databaseUrl}`, `${plan.key}_DIRECT=${values.databaseUrlDirect}`, `${plan.prefix}INSTAGRES_CLAIM_URL=${values.claimUrl}`];
  try {
    block = formatEnvBlock(values);
    const current = (await readEnvFile(plan.envFile)) ?? '';
    const next = applyEnvBlock(current, { key: plan.key, prefix: plan.prefix, block, replace, now: new Date() });
    await writeFileAtomic(plan.envFile, next);
  } catch (error) {
    // The database exists: whatever went wrong, hand its lines over rather than lose them.
    const cause = isGetDbError(error) ? error : undefined;
    throw new GetDbError('ENV_WRITE_FAILED', cause?.message ?? `Could not write ${plan.envFile}.`, {
      hint: `${cause?.hint ? `${cause.hint} ` : ''}Your database was created; add these lines to your env file yourself.`,
      cause: error,
      details: { ...cause?.details, lines: block },
    });
  }
  return envKeysFor(plan.key, plan.prefix);
}

/**
 * The whole pipeline: skip, resume a pending seed, or provision → write env → gitignore → seed.
 * Whatever writes runs under the env file's lock, so runs at once on one file make one
 * database: the others wait, then report it. Every failure once the database exists carries
 * its id, claim URL and env file in `details`.
 *
 * @example
 * const outcome = await createIntoEnv(await makeCreatePlan({ referrer: 'my-app', ifKeyExists: 'skip' }));
 */
export async function createIntoEnv(plan: CreatePlan, hooks: CreateHooks = {}): Promise<CreateOutcome> {
  const look = await lookForKey(plan);
  const warnings = [...publicKeyWarnings(plan), ...shellShadowWarnings(plan, look.found !== undefined)];
  const intent = await decide(plan, look, warnings, hooks).catch(untouchedIfCancelled(plan, 'Cancelled while asking the API about the database in it'));
  if ('action' in intent) return intent;
  const lock = await lockEnvFile(plan.envFile, { signal: hooks.signal, onWait: () => hooks.onStep?.('wait') }).catch(
    untouchedIfCancelled(plan, 'Cancelled while waiting for another get-db run'),
  );
  try {
    const now = await readEnvFile(plan.envFile);
    if (now !== undefined && hasKey(now, plan.key) && changedMeanwhile(look.text, now, plan.key)) return anotherRun(plan, now, warnings);
    if (intent.kind === 'resume') {
      const { resumeSeed } = await import('./resume.js');
      return await resumeSeed(plan, now ?? '', hooks, warnings);
    }
    const replaced = intent.replace && look.found?.file === plan.envFile;
    return await createNew({ ...plan, apiUrl: intent.apiUrl }, { ...intent, replaced }, warnings, hooks);
  } finally {
    await lock.release();
  }
}

/** While this run waited, another wrote the key: its database is the answer. */
function anotherRun(plan: CreatePlan, text: string, warnings: string[]): SkippedCreate {
  const database = readDatabaseInFile(text, plan.key, plan.prefix);
  return { action: 'skipped', reason: 'another-run', envFile: plan.envFile, key: plan.key, database: typeof database === 'string' ? undefined : database, warnings };
}

type CreateIntent = Extract<Intent, { kind: 'create' }> & { replaced: boolean };

async function createNew(plan: CreatePlan, intent: CreateIntent, warnings: string[], hooks: CreateHooks): Promise<CreatedDatabase> {
  const scan = await checkSeed(plan, hooks).catch(untouchedIfCancelled(plan, 'Cancelled while checking the seed files'));
  // git's answer (one or two short processes) is asked while the API works, and acted on
  // only once the database exists and the env file is written.
  const ignoreTarget = plan.gitignore ? gitIgnoreTarget(plan.envFile) : undefined;
  hooks.onStep?.('provision');
  try {
    const created = await provision(plan, hooks).catch(untouchedIfCancelled(plan, 'Cancelled before the API answered'));
    try {
      if (intent.replace) warnings.push(...(await shadowWarnings(plan)));
      const state = { replace: intent.replace, replaced: intent.replaced, reason: intent.reason, warnings, ignoreTarget, scan };
      return await finishCreate(plan, created, state, hooks);
    } catch (error) {
      throw withDetails(error, { databaseId: created.database.id, claimUrl: created.database.claim_url, envFile: plan.envFile });
    }
  } finally {
    // The seed removes its copy of standard input itself; this is for a create that never got there.
    await scan?.dispose();
  }
}

/** A cancel before the database is ours says that the env file was left as it was. */
function untouchedIfCancelled(plan: CreatePlan, what: string) {
  return (error: unknown): never => {
    if (isGetDbError(error) && error.code === 'CANCELLED') {
      throw new GetDbError('CANCELLED', `${what}; ${plan.envFile} was not changed.`, { cause: error });
    }
    throw error;
  };
}

/** Validates the seed files' contents before the API call: a refused file costs no database. */
async function checkSeed(plan: CreatePlan, hooks: CreateHooks): Promise<SeedScan | undefined> {
  if (plan.seedFiles.length === 0) return undefined;
  hooks.onStep?.('check');
  return scanSeedFiles(plan, hooks);
}

interface CreateState {
  /** Comment out the key's earlier lines. */
  replace: boolean;
  /** There were some in the env file. */
  replaced: boolean;
  reason: CreatedDatabase['reason'];
  warnings: string[];
  /** git's answer, asked while the API worked. */
  ignoreTarget: Promise<IgnoreTarget | undefined> | undefined;
  /** The seed files as scanned before the create (what runs is what was checked). */
  scan: SeedScan | undefined;
}

async function finishCreate(plan: CreatePlan, created: Provisioned, state: CreateState, hooks: CreateHooks): Promise<CreatedDatabase> {
  hooks.onStep?.('write');
  const keysWritten = await writeEnv(plan, created, state.replace);
  const gitignoreAdded = await addToGitignore(plan.envFile, state.ignoreTarget, state.warnings);
  let seed: SeedSummary | undefined;
  if (plan.seedFiles.length > 0) {
    hooks.onStep?.('seed');
    const result = await seedStep(plan, created.databaseUrlDirect, hooks, state.scan);
    seed = result.summary;
    state.warnings.push(...result.warnings);
  }
  return {
    action: 'created',
    ...created,
    claimUrl: created.database.claim_url,
    envFile: plan.envFile,
    keysWritten,
    replaced: state.replaced,
    reason: state.reason,
    gitignoreAdded,
    seed,
    warnings: [...state.warnings, ...expiryWarnings(created.expiresAt, new Date())],
  };
}

function gitIgnoreTarget(envFile: string): Promise<IgnoreTarget | undefined> {
  // Started before the create and maybe never awaited (the create fails): it must not reject.
  return import('../env/gitignore.js').then(({ gitIgnoreTarget: ask }) => ask(envFile)).catch(() => undefined);
}

/** The env file is written by now: a .gitignore we cannot update is a warning, not a lost database. */
async function addToGitignore(envFile: string, target: CreateState['ignoreTarget'], warnings: string[]): Promise<string | undefined> {
  try {
    const found = await target;
    if (found === undefined) return undefined;
    const { addGitIgnoreLine } = await import('../env/gitignore.js');
    return await addGitIgnoreLine(found);
  } catch (error) {
    warnings.push(`Could not add ${envFile} to .gitignore (${isGetDbError(error) ? error.message : String(error)}); add it yourself so the password is not committed.`);
    return undefined;
  }
}

