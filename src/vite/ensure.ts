/**
 * One dev server start: find the key the way the framework will, create a database through
 * the same engine as the CLI when it is missing, make the values visible to this process,
 * remind about claiming. Never throws: a failure is logged and the dev server starts anyway.
 * Shared by the Vite plugin and the Astro and Nuxt integrations.
 */
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import type { CreateOutcome } from '../engine/create.js';
import { envKeysFor } from '../engine/keys.js';
import { findClaimUrl } from '../engine/project-env.js';
import { readBlockFacts } from '../env/env-block.js';
import { readEnvFile } from '../env/env-file.js';
import { hasPendingSeed } from '../env/seed-pending.js';
import { asGetDbError, type GetDbError } from '../errors.js';
import { createOutcome } from '../instant-postgres.js';
import { checkOptionTypes } from '../option-checks.js';
import { displayPath } from '../report/format.js';
import { remindToClaim, reportFailure, type PluginLog } from './messages.js';
import { exportToProcess, findExpiry, lookUpEnv, withdrawExports, type LoadEnv, type ProjectPaths } from './project-env.js';
import type { PostgresPluginOptions } from './options.js';
import { openSession } from './sessions.js';
import { DEFAULT_API_URL } from '../types.js';
import { choosePrefix } from '../plan/framework.js';
import { isInstagres } from '../provision/api.js';

/** One dev server start of one project, as its framework sees it. */
export interface Start {
  options: PostgresPluginOptions;
  key: string;
  /**
   * Where the claim URL goes: `envPrefix`, or the framework's configured public prefix; when
   * neither is given, the CLI's rule (package.json), then `faceFramework`'s.
   */
  prefix: string | undefined;
  /** The face's own framework, by its package name (`vite`, `astro`, `nuxt`), when package.json names none. */
  faceFramework: string;
  mode: string;
  paths: ProjectPaths;
  log: PluginLog;
  /** Reads the env files the framework reads, as it reads them (Vite's loadEnv, or Nuxt's .env). */
  loadEnv: LoadEnv;
}

/**
 * The start of a dev server: the first in this process for its env file creates, reminds and
 * reports; another one while that server lives (a second compiler, a restart) only reads the
 * file again, silently. Returns the release to call when the server closes.
 * @example
 * const release = await startDevDatabase(start); // in a config hook
 * release();                                      // when that dev server closes
 */
export async function startDevDatabase(start: Start): Promise<() => void> {
  const resolved = { ...start, prefix: await choosePrefix(start.prefix, start.paths.root, start.faceFramework) };
  return openSession(start.paths.envFile, () => ensureDatabase(resolved), () => readAgain(resolved));
}

/** A start with its prefix settled. */
type Settled = Start & { prefix: string };

/** What this start does about the key: nothing (it is set), create, finish a seed, or check an expired database. */
type Need = 'none' | 'create' | 'resume' | 'expired';

async function ensureDatabase(start: Settled): Promise<void> {
  try {
    // Before anything is read or said: an option of the wrong type is the one line to show.
    checkOptionTypes(start.options as unknown as Record<string, unknown>);
    withdrawExports();
    let vars = await lookUpEnv(start.loadEnv, start.mode, start.paths);
    const need = await needFor(start, vars);
    if (need !== 'none') {
      await provision(start, need);
      vars = await lookUpEnv(start.loadEnv, start.mode, start.paths);
    }
    exportToProcess(vars, envKeysFor(start.key, start.prefix));
    // An expired one was asked about just now: what there is to say was said.
    if (need !== 'expired') await remind(start, vars);
  } catch (error) {
    fail(start, asGetDbError(error));
  }
}

/**
 * Missing: create. In our own file with a seed pending (the last start's seed never
 * finished): finish it. In our own block past its expiry: ask the API, as `get-db -y` does.
 */
async function needFor({ options, key, paths }: Settled, vars: Record<string, string>): Promise<Need> {
  if (!vars[key]) return 'create';
  const own = (await readEnvFile(paths.envFile)) ?? '';
  if (options.seed !== undefined && hasPendingSeed(own, key)) return 'resume';
  const facts = readBlockFacts(own, key);
  return facts && facts.expiresAt.getTime() <= Date.now() ? 'expired' : 'none';
}

/** What a joining compiler needs: this process sees the file as it is now. Never throws. */
async function readAgain(start: Settled): Promise<void> {
  try {
    withdrawExports();
    exportToProcess(await lookUpEnv(start.loadEnv, start.mode, start.paths), envKeysFor(start.key, start.prefix));
  } catch {
    // the first start has said what went wrong
  }
}

async function provision(start: Settled, need: Exclude<Need, 'none'>): Promise<void> {
  const { options, key, prefix, paths, log } = start;
  if (need === 'create') log.info(`${key} is not set: creating a claimable Postgres database…`);
  if (need === 'resume') log.info(`The seed of the database in ${displayPath(paths.envFile, paths.root)} never finished: seeding it now…`);
  // Relative to the project root, like every path in a Vite config; anything else is left
  // for the library to reject as USAGE.
  const given: unknown[] = [options.seed?.path].flat();
  const valid = given.length > 0 && given.every((path): path is string => typeof path === 'string' && path !== '');
  const seedPaths = valid ? (given as string[]).map((path) => resolve(paths.root, path)) : undefined;
  const outcome = await createOutcome(
    {
      referrer: options.referrer,
      cwd: paths.root,
      dotEnvFile: paths.envFile,
      dotEnvKey: key,
      envPrefix: prefix,
      seed: options.seed && seedPaths ? { ...options.seed, path: seedPaths } : options.seed,
      settings: options.settings,
      apiUrl: options.apiUrl,
      onStep: (step) => step === 'wait' && log.info(`Another get-db run is writing ${displayPath(paths.envFile, paths.root)}: waiting for it…`),
    },
    // An expired database the API still knows (claimed) is kept: a skip, not a failure.
    need === 'expired' ? 'skip' : 'error',
    start.faceFramework,
  );
  tell(start, outcome, seedPaths);
}

/** One line for what the start did (after the warnings: a seed's are what of a dump it could not run). */
function tell({ key, prefix, paths, log }: Settled, outcome: CreateOutcome, seedPaths: string[] | undefined): void {
  const file = displayPath(outcome.envFile, paths.root);
  const from = (seedPaths ?? []).map((path) => displayPath(path, paths.root)).join(', ');
  const seeded = seedPaths ? `, seeded from ${from}` : '';
  for (const warning of outcome.warnings) log.warn(warning);
  if (outcome.action === 'resumed') return log.info(`Seeded database ${outcome.id} from ${from}.`);
  if (outcome.action === 'skipped') {
    if (outcome.reason === 'another-run') log.info(`Another get-db run wrote database ${outcome.database?.id ?? ''} into ${file} meanwhile; using it.`);
    return;
  }
  const gone = outcome.reason === 'expired' ? `The database in ${file} had expired and is gone (its lines are kept as comments): ` : '';
  log.info(`${gone}Created database ${outcome.database.id}: wrote ${envKeysFor(key, prefix).join(', ')} to ${file}${seeded}.`);
}

async function remind({ mode, paths, prefix, log }: Settled, vars: Record<string, string>): Promise<void> {
  let claimUrl: string;
  try {
    claimUrl = findClaimUrl(vars, prefix).url;
  } catch {
    return; // a database that is not get-db's, or already claimed and cleaned up
  }
  remindToClaim(log, claimUrl, await findExpiry(mode, paths, claimUrl));
}

function fail({ options, key, prefix, paths, log }: Settled, error: GetDbError): void {
  const instagres = isInstagres(String(options.apiUrl ?? (process.env.INSTAGRES_API_URL || DEFAULT_API_URL)));
  // KEY_EXISTS names the file that assigns the key: dotEnvFile, or another one Vite reads.
  const file = typeof error.details?.envFile === 'string' && error.code === 'KEY_EXISTS' ? error.details.envFile : paths.envFile;
  reportFailure(log, error, { key, envFile: displayPath(file, paths.root), instagres });
  // The database exists but is in no file: this session can still use it.
  const lines = error.code === 'ENV_WRITE_FAILED' ? error.details?.lines : undefined;
  if (Array.isArray(lines)) exportToProcess(parse(lines.join('\n')), envKeysFor(key, prefix));
}
