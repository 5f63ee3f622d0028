/**
 * Everything a create needs, resolved and validated before anything is created:
 * bad input stops here with exit code 2 and no database made.
 */
import { dirname, resolve } from 'node:path';
import { GetDbError, isGetDbError } from '../errors.js';
import { checkEnvPathWritable } from '../env/env-file.js';
import { claimUrlKey } from '../engine/keys.js';
import { isText, STDIN, type SeedInput } from '../seed/seed-input.js';
import { DEFAULT_API_URL, DEFAULT_ENV_FILE, DEFAULT_KEY, DEFAULT_REFERRER } from '../types.js';
import { prefixFor, projectFramework, type Framework } from './framework.js';
import { validateApiUrl, validateKey, validatePrefix, validateReferrer } from './validate.js';

/** What to do when the env file already assigns the key. */
export type IfKeyExists = 'skip' | 'replace' | 'error';

export interface CreatePlanInput {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  apiUrl?: string;
  referrer?: string;
  logicalReplication?: boolean;
  envFile?: string;
  key?: string;
  /** Default: the framework's public prefix, else PUBLIC_. */
  prefix?: string;
  /** The framework when package.json (in `cwd`) names none: a plugin's own (`vite`, `astro`, `nuxt`). */
  faceFramework?: string;
  /** Paths (files, folders, pg_dump archives; `-` for standard input) or SQL text. */
  seedFiles?: SeedInput[];
  seedTransaction?: boolean;
  ifKeyExists?: IfKeyExists;
  gitignore?: boolean;
}

export interface CreatePlan {
  apiUrl: string;
  referrer: string;
  logicalReplication: boolean;
  /** Absolute path. */
  envFile: string;
  key: string;
  prefix: string;
  /** Absolute paths (`-` stays: standard input) or SQL text, applied in order. */
  seedFiles: SeedInput[];
  seedTransaction: boolean;
  ifKeyExists: IfKeyExists;
  gitignore: boolean;
  /** The environment the app will run in: a key already set there wins over dotenv. */
  env: NodeJS.ProcessEnv;
  /** The framework in package.json (`cwd`) if get-db knows it, else the plugin's own. */
  framework: Framework | undefined;
  /**
   * The other env files that framework's dev server reads, beside the env file, the one whose
   * value wins first: a key set there is found too.
   */
  frameworkEnvFiles: string[];
  /** The API was chosen (option, flag or INSTAGRES_API_URL), not the default. */
  apiUrlGiven: boolean;
}

/**
 * The API URL given, else INSTAGRES_API_URL, else Instagres; a bad one from the environment
 * is named as such (the user typed no --api-url to fix).
 *
 * @example
 * resolveApiUrl(undefined, { INSTAGRES_API_URL: 'http://127.0.0.1:3000/api/v1/' }); // 'http://127.0.0.1:3000/api/v1'
 */
export function resolveApiUrl(apiUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = apiUrl === undefined && Boolean(env.INSTAGRES_API_URL);
  try {
    return validateApiUrl(apiUrl ?? (env.INSTAGRES_API_URL || DEFAULT_API_URL));
  } catch (error) {
    if (!fromEnv || !isGetDbError(error)) throw error;
    throw new GetDbError(error.code, `INSTAGRES_API_URL: ${error.message}`, { hint: 'Fix or unset INSTAGRES_API_URL in your environment, or pass --api-url.', cause: error });
  }
}

/**
 * The API for a command about the database already in an env file: `--api-url`, else the one
 * the file records (where the database was made), else as {@link resolveApiUrl}.
 *
 * @example
 * apiUrlForFile(undefined, { recorded: 'http://127.0.0.1:3000/api/v1', envFile: '/app/.env' }); // 'http://127.0.0.1:3000/api/v1'
 */
export function apiUrlForFile(apiUrl: string | undefined, file: { recorded: string | undefined; envFile: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (apiUrl !== undefined || file.recorded === undefined) return resolveApiUrl(apiUrl, env);
  try {
    return validateApiUrl(file.recorded);
  } catch (error) {
    if (!isGetDbError(error)) throw error;
    throw new GetDbError(error.code, `${file.envFile} records the API "${file.recorded}": ${error.message}`, {
      hint: 'Fix or delete its "# get-db: api" line, or pass --api-url.',
      cause: error,
    });
  }
}

/** The connection string and the claim URL must not be written under one name (`<key>_DIRECT` ends otherwise). */
function checkKeyApart(key: string, prefix: string): void {
  const claimKey = claimUrlKey(prefix);
  if (key !== claimKey) return;
  throw new GetDbError('INVALID_KEY', `--key ${key} would put the connection string where the claim URL goes (${claimKey}).`, {
    hint: 'Choose another --key (e.g. DATABASE_URL) or another --prefix.',
  });
}

/** Validates names first (cheap, pure), then touches the file system. */
export async function makeCreatePlan(input: CreatePlanInput): Promise<CreatePlan> {
  const cwd = input.cwd ?? process.cwd();
  const env = input.env ?? process.env;
  const key = validateKey(input.key ?? DEFAULT_KEY);
  if (input.prefix !== undefined) validatePrefix(input.prefix);
  const referrer = validateReferrer(input.referrer ?? DEFAULT_REFERRER);
  const apiUrl = resolveApiUrl(input.apiUrl, env);
  // The framework's, unless one is given: the same rule for the CLI, the library and the plugins.
  const framework = await projectFramework(cwd, input.faceFramework);
  const prefix = validatePrefix(prefixFor(input.prefix, framework));
  checkKeyApart(key, prefix);
  const envFile = resolve(cwd, input.envFile ?? DEFAULT_ENV_FILE);
  const seedFiles = (input.seedFiles ?? []).map((file) => (isText(file) || file === STDIN ? file : resolve(cwd, file)));
  await checkEnvPathWritable(envFile);
  // The seed's file code (and node:fs/promises under it) loads only for a seed.
  if (seedFiles.length > 0) await (await import('../seed/input-checks.js')).checkSeedInputs(seedFiles);
  return {
    apiUrl,
    referrer,
    logicalReplication: input.logicalReplication ?? false,
    envFile,
    key,
    prefix,
    seedFiles,
    seedTransaction: input.seedTransaction ?? true,
    ifKeyExists: input.ifKeyExists ?? 'error',
    gitignore: input.gitignore ?? true,
    env,
    framework,
    frameworkEnvFiles: (framework?.envFiles ?? []).map((name) => resolve(dirname(envFile), name)),
    apiUrlGiven: input.apiUrl !== undefined || Boolean(env.INSTAGRES_API_URL),
  };
}
