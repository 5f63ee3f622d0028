/**
 * `get-db/vite`: a database on the first `vite dev` when DATABASE_URL is missing.
 * `vite` is only a type import here: this module loads where vite is not installed.
 */
import { resolve } from 'node:path';
import type { ConfigEnv, Plugin, UserConfig, ViteDevServer } from 'vite';
import { DEFAULT_ENV_FILE, DEFAULT_KEY } from './types.js';
import { startDevDatabase } from './vite/ensure.js';
import { integrationInstead, isChildCompiler, svelteKitEnv, type EarlyEnv } from './vite/frameworks.js';
import { tagged, type PluginLog } from './vite/messages.js';
import type { PostgresPluginOptions } from './vite/options.js';
import { resolvePaths } from './vite/project-env.js';
import { buildRunning, firstTime, markBuild } from './vite/sessions.js';

export type { PostgresPluginOptions } from './vite/options.js';

/**
 * A dev server only: `vite build`, `vite preview` and test runs (Vitest starts a dev server
 * in mode "test") must never create a database.
 */
function isDevServer(env: ConfigEnv): boolean {
  return env.command === 'serve' && env.isPreview !== true && env.mode !== 'test' && !process.env.VITEST;
}

function firstPrefix(envPrefix: string | string[] | undefined): string | undefined {
  return Array.isArray(envPrefix) ? envPrefix[0] : envPrefix;
}

/**
 * On `vite dev`, when `dotEnvKey` (DATABASE_URL) is set in neither the env files the framework
 * reads nor the shell: creates a claimable Postgres database and writes it into `dotEnvFile`
 * there (Vite's envDir; SvelteKit's `kit.env.dir`). Inactive for `vite build`, `vite preview`,
 * test runs, and compilers a framework starts inside a build.
 * @example
 * // vite.config.ts
 * export default defineConfig({ plugins: [postgres({ referrer: 'my-app' })] });
 */
export function postgres(options: PostgresPluginOptions): Plugin[] {
  // Per dev server this instance serves (Vite reuses instances across restarts).
  const releases: (() => void)[] = [];
  let settled = false;
  let endBuild: (() => void) | undefined;

  async function logFor(config: UserConfig): Promise<PluginLog> {
    const vite = await import('vite'); // present whenever a dev server runs this
    return tagged(config.customLogger ?? vite.createLogger(config.logLevel, { allowClearScreen: config.clearScreen }));
  }

  /** False for anything but a dev server of its own, and where an integration is the way. */
  async function mayStart(config: UserConfig, env: ConfigEnv): Promise<boolean> {
    if (!isDevServer(env) || buildRunning() || isChildCompiler(config)) return false;
    const advice = await integrationInstead(config);
    if (advice && firstTime(advice)) (await logFor(config)).warn(advice);
    return !advice;
  }

  async function start(config: UserConfig, mode: string, early?: EarlyEnv): Promise<void> {
    settled = true;
    const vite = await import('vite');
    const paths = early
      ? { root: resolve(config.root ?? '.'), envDir: early.envDir, envFile: resolve(early.envDir, options.dotEnvFile ?? DEFAULT_ENV_FILE) }
      : resolvePaths(config, options.dotEnvFile ?? DEFAULT_ENV_FILE);
    const log = await logFor(config);
    // Vite's envPrefix (or SvelteKit's) is what client code sees: it counts as given.
    const prefix = options.envPrefix ?? early?.publicPrefix ?? firstPrefix(config.envPrefix);
    const key = options.dotEnvKey ?? DEFAULT_KEY;
    releases.push(await startDevDatabase({ options, key, prefix, faceFramework: 'vite', mode, paths, log, loadEnv: vite.loadEnv }));
  }

  return [
    {
      name: 'get-db:postgres',
      enforce: 'pre',
      // Ordered `pre`, in a `pre` plugin: before SvelteKit's own config hook reads env for $env/*.
      config: {
        order: 'pre',
        async handler(config, env) {
          if (env.command === 'build') endBuild = markBuild();
          settled = !(await mayStart(config, env));
          const early = settled ? undefined : await svelteKitEnv(config);
          if (early) await start(config, env.mode, early);
        },
      },
      configureServer(server: ViteDevServer) {
        const release = releases.shift();
        if (!release) return;
        const close = server.close.bind(server);
        server.close = () => {
          release();
          return close();
        };
      },
      closeBundle() {
        endBuild?.();
      },
      buildEnd(error) {
        if (error) endBuild?.();
      },
    },
    {
      name: 'get-db:postgres:env',
      apply: (_config, env) => isDevServer(env),
      // After other plugins' config hooks, so a root or envDir a framework sets there is seen;
      // before Vite reads env files, so this session loads what was written.
      enforce: 'post',
      async config(config, env) {
        if (!settled) await start(config, env.mode);
      },
    },
  ];
}

export default postgres;
