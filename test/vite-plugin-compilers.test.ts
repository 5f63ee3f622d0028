/**
 * The Vite plugin when a framework runs several compilers in one process, or a build starts
 * dev servers, or the config belongs to a framework that needs an integration instead.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { build, createServer, type Plugin, type ViteDevServer } from 'vite';
import { describe, expect, test } from 'vitest';
import { postgres } from '../src/vite.js';
import { openSession } from '../src/vite/sessions.js';
import { useViteHarness } from './helpers/vite.js';

const vite = useViteHarness();
const { viteProject, plugin, startDev, createCount } = vite;

describe('several compilers in one process (frameworks run more than one)', () => {
  test('a second dev server of the same project while the first lives: one database, one reminder, and it sees the values', async () => {
    const root = await viteProject();
    const before = createCount();
    const first = await startDev(root, [plugin()]);
    const second = await startDev(root, [plugin()]);
    expect(createCount()).toBe(before + 1);
    expect(first.logger.lines.filter((line) => line.includes('unless you claim it'))).toHaveLength(1);
    expect(second.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([]);
    expect(second.server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(vite.api.lastCreated()!.claim_url);
    expect(process.env.DATABASE_URL).toBe(vite.api.lastCreated()!.connection_string);
  });

  test('two dev servers of the same project started at once (as a framework starts its compilers): one database, one reminder', async () => {
    const root = await viteProject();
    const before = createCount();
    const both = await Promise.all([startDev(root, [plugin()]), startDev(root, [plugin()])]);
    expect(createCount()).toBe(before + 1);
    const db = vite.api.lastCreated()!;
    expect(parse(await readFile(join(root, '.env'), 'utf8')).DATABASE_URL).toBe(db.connection_string);
    for (const { server } of both) expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
    expect(both.flatMap(({ logger }) => logger.lines).filter((line) => line.includes('unless you claim it'))).toHaveLength(1);
  });

  test('two starts of one env file in the same tick: one starts, the other joins once that start is done', async () => {
    const envFile = join(await viteProject(), '.env');
    const calls: string[] = [];
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const start = async () => {
      calls.push('start');
      await finished;
      calls.push('started');
    };
    const joined = async () => void calls.push('join');
    const opening = Promise.all([openSession(envFile, start, joined), openSession(envFile, start, joined)]);
    finish();
    for (const release of await opening) release();
    expect(calls).toEqual(['start', 'started', 'join']);
  });

  test("Vite's own restart (a config or .env edit) reads the file again, silently; closing then ends the start", async () => {
    const root = await viteProject();
    const first = await startDev(root, [plugin()]);
    const text = await readFile(join(root, '.env'), 'utf8');
    await writeFile(join(root, '.env'), text.replace(/^DATABASE_URL=.*$/m, "DATABASE_URL='postgres://me@localhost/edited'"));
    const linesBefore = first.logger.lines.length;
    await first.server.restart();
    expect(process.env.DATABASE_URL).toBe('postgres://me@localhost/edited');
    expect(first.logger.lines.slice(linesBefore).filter((line) => line.includes('[get-db]'))).toEqual([]);
    await first.server.close();
    // The process has no dev server left for this file: the next start is a start again.
    const next = await startDev(root, [plugin()]);
    expect(next.logger.lines.filter((line) => line.includes('unless you claim it'))).toHaveLength(1);
  });

  test('when the API fails, the second compiler neither asks again nor repeats the error', async () => {
    const root = await viteProject();
    const before = createCount();
    vite.api.fail(4, 500);
    const first = await startDev(root, [plugin()]);
    const second = await startDev(root, [plugin()]);
    expect(createCount()).toBe(before + 4);
    expect(first.logger.lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
    expect(second.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([]);
  });

  test("React Router's child compiler (its own dev server, also started inside a build) is never a start", async () => {
    const root = await viteProject();
    const requests = vite.api.requests.length;
    const child = await startDev(root, [plugin()], { cacheDir: join(root, 'node_modules', '.vite-child-compiler') });
    expect(child.logger.lines).toEqual([]);
    expect(vite.api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });

  test('a dev server started while a build runs in this process (as frameworks do inside builds) creates nothing', async () => {
    const root = await viteProject();
    const requests = vite.api.requests.length;
    let inner: ViteDevServer | undefined;
    const startsADevServer: Plugin = {
      name: 'framework-inner-compiler',
      async buildStart() {
        inner = await createServer({ root, configFile: false, plugins: [plugin()], logLevel: 'silent', server: { middlewareMode: true, ws: false } });
      },
    };
    await build({ root, configFile: false, plugins: [plugin(), startsADevServer], logLevel: 'silent', build: { outDir: join(root, 'dist') } });
    await inner?.close();
    expect(inner).toBeDefined();
    expect(vite.api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });
});

describe('frameworks that need an integration instead', () => {
  test('in an Astro or Nuxt config the plugin creates nothing and says, once per process, what to use', async () => {
    const root = await viteProject();
    const requests = vite.api.requests.length;
    const astro: Plugin = { name: 'astro:build' };
    const first = await startDev(root, [plugin(), astro]);
    const second = await startDev(root, [plugin(), [astro]]);
    const ours = (lines: string[]) => lines.filter((line) => line.includes('[get-db]'));
    expect(ours(first.logger.lines)).toEqual([expect.stringMatching(/^warn: \[get-db\] In Astro this Vite plugin does nothing .*use the get-db\/astro integration/)]);
    expect(second.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([]);
    const nuxt = await startDev(root, [plugin(), { name: 'nuxt:env' }]);
    expect(ours(nuxt.logger.lines)).toEqual([expect.stringMatching(/^warn: \[get-db\] In Nuxt .*modules: \['get-db\/nuxt'\]/)]);
    expect(vite.api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });
});

