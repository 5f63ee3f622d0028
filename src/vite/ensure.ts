/**
 * One dev server start: find the key the way the framework will, create a database through
 * the same engine as the CLI when it is missing, make the values visible to this process,
 * remind about claiming. Never throws: a failure is logged and the dev server starts anyway.
 * Shared by the Vite plugin and the Astro and Nuxt integrations.
 */
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { envKeysFor } from '../engine/keys.js';
import { findClaimUrl } from '../engine/project-env.js';
import { readEnvFile } from '../env/env-file.js';
import { hasPendingSeed } from '../env/seed-pending.js';
import { asGetDbError, type GetDbError } from '../errors.js';
import { instantPostgres } from '../instant-postgres.js';
import { checkOptionTypes } from '../option-checks.js';
import { displayPath } from '../report/format.js';
import { remindToClaim, reportFailure, type PluginLog } from './messages.js';
import { exportToProcess, findExpiry, lookUpEnv, withdrawExports, type LoadEnv, type ProjectPaths } from './project-env.js';
import type { PostgresPluginOptions } from './options.js';
import { openSession } from './sessions.js';

/** One dev server start of one project, as its framework sees it. */
export interface Start {
  options: PostgresPluginOptions;
  key: string;
  /** Where the claim URL goes: the framework's public prefix unless `envPrefix` is given. */
  prefix: string;
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
export function startDevDatabase(start: Start): Promise<() => void> {
  return openSession(start.paths.envFile, () => ensureDatabase(start), () => readAgain(start));
}

async function ensureDatabase(start: Start): Promise<void> {
  try {
    // Before anything is read or said: an option of the wrong type is the one line to show.
    checkOptionTypes(start.options as unknown as Record<string, unknown>);
    withdrawExports();
    let vars = await lookUpEnv(start.loadEnv, start.mode, start.paths);
    const resuming = Boolean(vars[start.key]) && (await seedPending(start));
    if (!vars[start.key] || resuming) {
      await provision(start, resuming);
      vars = await lookUpEnv(start.loadEnv, start.mode, start.paths);
    }
    exportToProcess(vars, envKeysFor(start.key, start.prefix));
    await remind(start, vars);
  } catch (error) {
    fail(start, asGetDbError(error));
  }
}

/** The last start created the database but its seed never finished: this start finishes it. */
async function seedPending({ options, key, paths }: Start): Promise<boolean> {
  return options.seed !== undefined && hasPendingSeed((await readEnvFile(paths.envFile)) ?? '', key);
}

/** What a joining compiler needs: this process sees the file as it is now. Never throws. */
async function readAgain(start: Start): Promise<void> {
  try {
    withdrawExports();
    exportToProcess(await lookUpEnv(start.loadEnv, start.mode, start.paths), envKeysFor(start.key, start.prefix));
  } catch {
    // the first start has said what went wrong
  }
}

async function provision({ options, key, prefix, paths, log }: Start, resuming: boolean): Promise<void> {
  log.info(resuming ? `The seed of the database in ${displayPath(paths.envFile, paths.root)} never finished: seeding it now…` : `${key} is not set: creating a claimable Postgres database…`);
  // Relative to the project root, like every path in a Vite config; anything else is left
  // for instantPostgres to reject as USAGE.
  const seedPath = typeof options.seed?.path === 'string' && options.seed.path !== '' ? resolve(paths.root, options.seed.path) : undefined;
  const result = await instantPostgres({
    referrer: options.referrer,
    cwd: paths.root,
    dotEnvFile: paths.envFile,
    dotEnvKey: key,
    envPrefix: prefix,
    seed: options.seed && seedPath ? { ...options.seed, path: seedPath } : options.seed,
    settings: options.settings,
    apiUrl: options.apiUrl,
  });
  const seeded = seedPath ? `, seeded from ${displayPath(seedPath, paths.root)}` : '';
  if (resuming) return log.info(`Seeded database ${result.id} from ${displayPath(seedPath ?? '', paths.root)}.`);
  log.info(`Created database ${result.id}: wrote ${envKeysFor(key, prefix).join(', ')} to ${displayPath(result.envFile, paths.root)}${seeded}.`);
}

async function remind({ mode, paths, prefix, log }: Start, vars: Record<string, string>): Promise<void> {
  let claimUrl: string;
  try {
    claimUrl = findClaimUrl(vars, prefix).url;
  } catch {
    return; // a database that is not get-db's, or already claimed and cleaned up
  }
  remindToClaim(log, claimUrl, await findExpiry(mode, paths, claimUrl));
}

function fail({ key, prefix, paths, log }: Start, error: GetDbError): void {
  reportFailure(log, error, { key, envFile: displayPath(paths.envFile, paths.root) });
  // The database exists but is in no file: this session can still use it.
  const lines = error.code === 'ENV_WRITE_FAILED' ? error.details?.lines : undefined;
  if (Array.isArray(lines)) exportToProcess(parse(lines.join('\n')), envKeysFor(key, prefix));
}
