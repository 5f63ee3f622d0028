/**
 * `get-db/astro`: the Astro integration. Astro reads env files (for `import.meta.env` in
 * server code) before any Vite plugin's config hook runs, so a Vite plugin is too late on
 * the first start; `astro:config:setup` runs before that, and says which command runs.
 */
import { fileURLToPath } from 'node:url';
import { DEFAULT_ENV_FILE, DEFAULT_KEY } from './types.js';
import { startDevDatabase } from './vite/ensure.js';
import type { PluginLog } from './vite/messages.js';
import type { PostgresPluginOptions } from './vite/options.js';
import { resolvePaths } from './vite/project-env.js';

export type { PostgresPluginOptions } from './vite/options.js';

/** The part of Astro's `astro:config:setup` argument this integration reads. */
export interface AstroConfigSetup {
  command: 'dev' | 'build' | 'preview' | 'sync';
  config: { root: URL; vite?: { envDir?: string | false; envPrefix?: string | string[] } };
  logger: PluginLog;
}

/** An Astro integration (structurally; `astro` is not imported). */
export interface GetDbAstroIntegration {
  name: 'get-db';
  hooks: {
    'astro:config:setup': (setup: AstroConfigSetup) => Promise<void>;
    'astro:server:done': () => void;
  };
}

/**
 * On `astro dev`, when `dotEnvKey` (DATABASE_URL) is set in neither Astro's env files nor the
 * shell: creates a claimable Postgres database and writes it into `dotEnvFile` in the project
 * root (or `vite.envDir`). The claim URL is written as `PUBLIC_INSTAGRES_CLAIM_URL` (Astro's
 * public prefix) unless `envPrefix` says otherwise. Never on build, preview, sync or tests.
 * @example
 * // astro.config.mjs
 * import postgres from 'get-db/astro';
 * export default defineConfig({ integrations: [postgres({ referrer: 'my-app' })] });
 */
export function postgres(options: PostgresPluginOptions): GetDbAstroIntegration {
  const releases: (() => void)[] = [];
  return {
    name: 'get-db',
    hooks: {
      async 'astro:config:setup'({ command, config, logger }) {
        if (command !== 'dev' || process.env.VITEST) return;
        const vite = await import('vite'); // Astro depends on it
        const envPrefix = config.vite?.envPrefix;
        releases.push(
          await startDevDatabase({
            options,
            key: options.dotEnvKey ?? DEFAULT_KEY,
            prefix: options.envPrefix ?? (Array.isArray(envPrefix) ? envPrefix[0] : envPrefix),
            faceFramework: 'astro',
            mode: 'development',
            paths: resolvePaths({ root: fileURLToPath(config.root), envDir: config.vite?.envDir }, options.dotEnvFile ?? DEFAULT_ENV_FILE),
            log: logger, // Astro's logger already tags lines with the integration's name
            loadEnv: vite.loadEnv,
          }),
        );
      },
      'astro:server:done'() {
        releases.shift()?.();
      },
    },
  };
}

export default postgres;
