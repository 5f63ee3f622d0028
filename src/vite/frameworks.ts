/**
 * What the plugin must know about frameworks that run it: where SvelteKit reads env (it
 * does so in its own early config hook), and the dev compiler React Router starts inside
 * its own dev server and build.
 */
import { basename, resolve } from 'node:path';
import type { PluginOption, UserConfig } from 'vite';

interface SvelteKitEnvConfig {
  dir?: string;
  publicPrefix?: string;
}

export interface EarlyEnv {
  /** Folder the framework loads env files from, absolute. */
  envDir: string;
  /** Its public prefix (client code sees only these). */
  publicPrefix: string;
}

async function flatten(option: PluginOption | PluginOption[] | undefined): Promise<object[]> {
  const value = await option;
  if (!value) return [];
  if (Array.isArray(value)) return (await Promise.all(value.map(flatten))).flat();
  return [value];
}

/**
 * SvelteKit's env settings (`kit.env` in svelte.config.js) when its plugin is in this config.
 * SvelteKit loads env for `$env/*` in a `config` hook ordered `pre`, so the file must exist
 * before that hook runs.
 * @example
 * await svelteKitEnv({ plugins: [sveltekit()] }); // { envDir: '/app', publicPrefix: 'PUBLIC_' }
 */
export async function svelteKitEnv(config: UserConfig): Promise<EarlyEnv | undefined> {
  for (const plugin of await flatten(config.plugins)) {
    const { name, api } = plugin as { name?: unknown; api?: { options?: { kit?: { env?: SvelteKitEnvConfig }; env?: SvelteKitEnvConfig } } };
    if (name !== 'vite-plugin-sveltekit-setup') continue;
    // SvelteKit 2: `kit.env` (dir from the cwd); 3: `env` (dir from the root, public-ness
    // declared in src/env.ts, so the prefix is only a name).
    const env = api?.options?.kit?.env ?? api?.options?.env ?? {};
    return { envDir: resolve(config.root ?? '.', env.dir ?? '.'), publicPrefix: env.publicPrefix ?? 'PUBLIC_' };
  }
  return undefined;
}

// React Router (7 and 8) starts a second Vite dev server to read route modules, in
// `react-router dev` and `react-router build` alike, with this cache folder.
const CHILD_COMPILER_CACHE = '.vite-child-compiler';

/**
 * True for a compiler a framework runs next to the real server: never a start of its own.
 * @example
 * isChildCompiler({ cacheDir: 'node_modules/.vite-child-compiler' }); // true
 */
export function isChildCompiler(config: UserConfig): boolean {
  return typeof config.cacheDir === 'string' && basename(config.cacheDir) === CHILD_COMPILER_CACHE;
}

// Frameworks where this plugin is the wrong tool, known by their plugins' name prefixes.
const INTEGRATIONS: ReadonlyArray<readonly [pluginPrefix: string, advice: string]> = [
  ['astro:', "In Astro this Vite plugin does nothing (Astro reads env before it runs); use the get-db/astro integration: integrations: [postgres({ referrer: '…' })]"],
  ['nuxt:', "In Nuxt this Vite plugin does nothing (Nuxt reads .env from its root, not from Vite's); use the get-db/nuxt module: modules: ['get-db/nuxt'], getDb: { referrer: '…' }"],
];

/**
 * What to say instead of starting, when the config is an Astro or Nuxt one.
 * @example
 * await integrationInstead({ plugins: [astroPlugin] }); // "In Astro this Vite plugin does nothing …"
 */
export async function integrationInstead(config: UserConfig): Promise<string | undefined> {
  const names = (await flatten(config.plugins)).map((plugin) => String((plugin as { name?: unknown }).name ?? ''));
  return INTEGRATIONS.find(([prefix]) => names.some((name) => name.startsWith(prefix)))?.[1];
}
