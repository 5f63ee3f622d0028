/**
 * get-db/astro and get-db/nuxt called the way Astro and Nuxt call them, in temp projects
 * against the loopback API: which commands create (only dev), where the file goes, what the
 * framework's config receives. The real frameworks run in frameworks.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'dotenv';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import astroIntegration from '../src/astro.js';
import nuxtModule, { type NuxtLike } from '../src/nuxt.js';
import { tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

// The integrations stay out of test runs (VITEST); these calls stand for `astro dev` / `nuxt dev`.
let savedEnv: NodeJS.ProcessEnv;
beforeEach(() => {
  savedEnv = { ...process.env };
  for (const key of ['VITEST', 'DATABASE_URL', 'DATABASE_URL_DIRECT', 'PUBLIC_INSTAGRES_CLAIM_URL', 'NUXT_PUBLIC_INSTAGRES_CLAIM_URL', 'INSTAGRES_API_URL']) delete process.env[key];
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

const createCount = () => api.createRequests().length;

function astroLogger() {
  const lines: string[] = [];
  return { lines, info: (m: string) => void lines.push(`info: ${m}`), warn: (m: string) => void lines.push(`warn: ${m}`), error: (m: string) => void lines.push(`error: ${m}`) };
}

describe('get-db/astro', () => {
  test('astro dev: one database in the project root, claim URL under PUBLIC_, one reminder; build, preview and sync: nothing', async () => {
    const root = await tempProject('get-db-astro-');
    const integration = astroIntegration({ referrer: 'astro-test', apiUrl: api.apiUrl });
    const before = createCount();
    for (const command of ['build', 'preview', 'sync'] as const) {
      await integration.hooks['astro:config:setup']({ command, config: { root: pathToFileURL(`${root}/`) }, logger: astroLogger() });
    }
    expect(createCount()).toBe(before);
    expect(existsSync(join(root, '.env'))).toBe(false);

    const logger = astroLogger();
    await integration.hooks['astro:config:setup']({ command: 'dev', config: { root: pathToFileURL(`${root}/`) }, logger });
    integration.hooks['astro:server:done']();
    expect(createCount()).toBe(before + 1);
    const written = parse(await readFile(join(root, '.env'), 'utf8'));
    expect(written.PUBLIC_INSTAGRES_CLAIM_URL).toBe(api.lastCreated()!.claim_url);
    expect(process.env.DATABASE_URL).toBe(api.lastCreated()!.connection_string);
    expect(logger.lines.filter((line) => line.includes('unless you claim it'))).toHaveLength(1);
    // Astro's logger tags lines with the integration's name itself.
    expect(logger.lines.join('\n')).not.toContain('[get-db]');
  });

  test('vite.envDir and vite.envPrefix in the Astro config are honoured; envPrefix in the options wins', async () => {
    const root = await tempProject('get-db-astro-');
    await mkdir(join(root, 'env'));
    const config = { root: pathToFileURL(`${root}/`), vite: { envDir: 'env', envPrefix: ['APP_', 'PUBLIC_'] } };
    await astroIntegration({ referrer: 'astro-test', apiUrl: api.apiUrl }).hooks['astro:config:setup']({ command: 'dev', config, logger: astroLogger() });
    expect(Object.keys(parse(await readFile(join(root, 'env', '.env'), 'utf8')))).toContain('APP_INSTAGRES_CLAIM_URL');

    const other = await tempProject('get-db-astro-');
    await mkdir(join(other, 'env'));
    await astroIntegration({ referrer: 'astro-test', apiUrl: api.apiUrl, envPrefix: 'MY_' }).hooks['astro:config:setup']({
      command: 'dev',
      config: { ...config, root: pathToFileURL(`${other}/`) },
      logger: astroLogger(),
    });
    expect(Object.keys(parse(await readFile(join(other, 'env', '.env'), 'utf8')))).toContain('MY_INSTAGRES_CLAIM_URL');
  });
});

function fakeNuxt(rootDir: string, options: Partial<NuxtLike['options']> = {}) {
  const closeHooks: (() => void)[] = [];
  const nuxt: NuxtLike = {
    options: { dev: true, rootDir, runtimeConfig: { public: {} }, ...options },
    hook: (_name, fn) => closeHooks.push(fn),
  };
  return { nuxt, close: () => closeHooks.forEach((fn) => fn()) };
}

describe('get-db/nuxt', () => {
  test('nuxt dev: one database in the root (not srcDir), runtimeConfig.public.instagresClaimUrl filled; options from getDb', async () => {
    const root = await tempProject('get-db-nuxt-');
    const { nuxt, close } = fakeNuxt(root, { getDb: { referrer: 'nuxt-test', apiUrl: api.apiUrl } });
    const before = createCount();
    await nuxtModule(undefined, nuxt);
    close();
    expect(createCount()).toBe(before + 1);
    const db = api.lastCreated()!;
    expect(parse(await readFile(join(root, '.env'), 'utf8'))).toEqual({
      DATABASE_URL: db.connection_string,
      DATABASE_URL_DIRECT: expect.any(String),
      NUXT_PUBLIC_INSTAGRES_CLAIM_URL: db.claim_url,
    });
    expect(nuxt.options.runtimeConfig.public.instagresClaimUrl).toBe(db.claim_url);
    expect(process.env.DATABASE_URL).toBe(db.connection_string);
  });

  test('build, prepare and test runs: nothing is created, but the public key is declared so the env fills it at runtime', async () => {
    const root = await tempProject('get-db-nuxt-');
    const before = createCount();
    for (const options of [{ dev: false }, { dev: true, _prepare: true }, { dev: true, test: true }]) {
      const { nuxt } = fakeNuxt(root, options);
      await nuxtModule({ referrer: 'nuxt-test', apiUrl: api.apiUrl }, nuxt);
      expect(nuxt.options.runtimeConfig.public.instagresClaimUrl).toBe('');
    }
    expect(createCount()).toBe(before);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });
});
