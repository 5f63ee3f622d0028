/**
 * One dev server start: find the key the way Vite will, create a database through the same
 * engine as the CLI when it is missing, make the values visible to this process, remind
 * about claiming. Never throws: a failure is logged and the dev server starts anyway.
 */
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import type { UserConfig } from 'vite';
import { envKeysFor } from '../engine/keys.js';
import { findClaimUrl } from '../engine/project-env.js';
import { readEnvFile } from '../env/env-file.js';
import { hasPendingSeed } from '../env/seed-pending.js';
import { asGetDbError, type GetDbError } from '../errors.js';
import { instantPostgres } from '../instant-postgres.js';
import { DEFAULT_ENV_FILE, DEFAULT_KEY } from '../types.js';
import { displayPath } from '../report/format.js';
import { remindToClaim, reportFailure, tagged, type PluginLog } from './messages.js';
import { exportToProcess, findExpiry, lookUpEnv, resolvePaths, withdrawExports, type ProjectPaths } from './project-env.js';
import type { PostgresPluginOptions } from './options.js';

type Vite = typeof import('vite');

interface Start {
  options: PostgresPluginOptions;
  key: string;
  prefix: string;
  mode: string;
  paths: ProjectPaths;
  log: PluginLog;
}

export async function ensureDatabase(options: PostgresPluginOptions, config: UserConfig, mode: string): Promise<void> {
  // Loaded here, not at the top: vite is present whenever a dev server runs this.
  const vite: Vite = await import('vite');
  const log = tagged(config.customLogger ?? vite.createLogger(config.logLevel, { allowClearScreen: config.clearScreen }));
  const start: Start = {
    options,
    key: options.dotEnvKey ?? DEFAULT_KEY,
    prefix: options.envPrefix ?? 'VITE_',
    mode,
    paths: resolvePaths(config, options.dotEnvFile ?? DEFAULT_ENV_FILE),
    log,
  };
  try {
    withdrawExports();
    let vars = await lookUpEnv(vite.loadEnv, mode, start.paths);
    const resuming = Boolean(vars[start.key]) && (await seedPending(start));
    if (!vars[start.key] || resuming) {
      await provision(start, resuming);
      vars = await lookUpEnv(vite.loadEnv, mode, start.paths);
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
