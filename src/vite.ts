/**
 * `get-db/vite`: a database on the first `vite dev` when DATABASE_URL is missing.
 * `vite` is only a type import here: this module loads where vite is not installed.
 */
import type { ConfigEnv, Plugin } from 'vite';
import { ensureDatabase } from './vite/ensure.js';
import type { PostgresPluginOptions } from './vite/options.js';

export type { PostgresPluginOptions } from './vite/options.js';

/**
 * A dev server only: `vite build`, `vite preview` and test runs (Vitest starts a dev server
 * in mode "test") must never create a database.
 */
function isDevServer(env: ConfigEnv): boolean {
  return env.command === 'serve' && env.isPreview !== true && env.mode !== 'test' && !process.env.VITEST;
}

/**
 * On `vite dev`, when `dotEnvKey` (DATABASE_URL) is set in neither Vite's env files nor the
 * shell: creates a claimable Postgres database and writes it into `dotEnvFile` in Vite's
 * envDir. Inactive for `vite build`, `vite preview` and test runs.
 */
export function postgres(options: PostgresPluginOptions): Plugin {
  return {
    name: 'get-db:postgres',
    apply: (_config, env) => isDevServer(env),
    // After other plugins' config hooks, so a root or envDir a framework sets there is seen.
    enforce: 'post',
    // `config` runs before Vite reads env files, so Vite then loads what was written and
    // exposes the prefixed claim URL through import.meta.env in this same session.
    async config(config, env) {
      await ensureDatabase(options, config, env.mode);
    },
  };
}

export default postgres;
