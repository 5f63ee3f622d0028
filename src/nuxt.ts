/**
 * `get-db/nuxt`: the Nuxt module. Nuxt reads `.env` from its root folder (not Vite's root,
 * which Nuxt sets to srcDir) before modules run, and runs several Vite compilers; a module
 * runs once per start, knows the root, and can fill `runtimeConfig`.
 */
import { DEFAULT_ENV_FILE, DEFAULT_KEY } from './types.js';
import { claimUrlKey } from './engine/keys.js';
import { choosePrefix } from './plan/framework.js';
import { startDevDatabase } from './vite/ensure.js';
import { tagged } from './vite/messages.js';
import type { PostgresPluginOptions } from './vite/options.js';
import { resolvePaths } from './vite/project-env.js';

export type { PostgresPluginOptions } from './vite/options.js';

/** The part of the Nuxt instance this module reads (`nuxt` is not imported). */
export interface NuxtLike {
  options: {
    dev: boolean;
    test?: boolean;
    _prepare?: boolean;
    rootDir: string;
    runtimeConfig: { public: Record<string, unknown> };
    getDb?: Partial<PostgresPluginOptions>;
  };
  hook(name: 'close', fn: () => void): unknown;
}

/** Nuxt has the `.env` it read in process.env already; get-db's own file is read besides. */
function processEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const console_ = tagged({
  info: (msg) => console.info(msg),
  warn: (msg) => console.warn(msg),
  error: (msg) => console.error(msg),
});

/**
 * On `nuxt dev`, when `dotEnvKey` (DATABASE_URL) is set in neither `.env` nor the shell:
 * creates a claimable Postgres database and writes it into `dotEnvFile` in the Nuxt root.
 * The claim URL is written as `NUXT_PUBLIC_INSTAGRES_CLAIM_URL`, which Nuxt maps to
 * `useRuntimeConfig().public.instagresClaimUrl`. Never on build, generate, prepare or tests.
 * @example
 * // nuxt.config.ts
 * export default defineNuxtConfig({ modules: ['get-db/nuxt'], getDb: { referrer: 'my-app' } });
 */
export default async function getDbModule(inline: Partial<PostgresPluginOptions> | undefined, nuxt: NuxtLike): Promise<void> {
  const options = { ...nuxt.options.getDb, ...inline } as PostgresPluginOptions;
  // The CLI's rule (package.json names nuxt: NUXT_PUBLIC_), which Nuxt maps to runtimeConfig.public.
  const prefix = await choosePrefix(options.envPrefix, nuxt.options.rootDir, 'nuxt');
  const { public: publicConfig } = nuxt.options.runtimeConfig;
  // Declared in every build, so NUXT_PUBLIC_INSTAGRES_CLAIM_URL fills it at runtime too.
  publicConfig.instagresClaimUrl ??= '';
  if (!nuxt.options.dev || nuxt.options._prepare || nuxt.options.test || process.env.VITEST) return;
  const release = await startDevDatabase({
    options,
    key: options.dotEnvKey ?? DEFAULT_KEY,
    prefix,
    faceFramework: 'nuxt',
    mode: 'development',
    paths: resolvePaths({ root: nuxt.options.rootDir }, options.dotEnvFile ?? DEFAULT_ENV_FILE),
    log: console_,
    loadEnv: processEnv,
  });
  nuxt.hook('close', release);
  const claimUrl = process.env[claimUrlKey(prefix)];
  if (claimUrl && !publicConfig.instagresClaimUrl) publicConfig.instagresClaimUrl = claimUrl;
}

/** What Nuxt shows for this module, and the nuxt.config key its options may live under. */
getDbModule.getMeta = () => Promise.resolve({ name: 'get-db', configKey: 'getDb' });
