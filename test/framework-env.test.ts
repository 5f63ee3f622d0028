/**
 * The env files a framework reads: a key already set in any of them is found, and the claim
 * URL's prefix is picked by one rule. The load orders are checked against the frameworks'
 * own loaders (@next/env, which Next.js loads env files with; Vite's loadEnv, which
 * SvelteKit, Astro and React Router use), not against a copy of them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { loadEnv } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { instantPostgres } from '../src/index.js';
import { detectFramework } from '../src/plan/framework.js';
import { cliEnv, createWith, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

const CANDIDATES = ['.env', '.env.local', '.env.development', '.env.development.local', '.env.production', '.env.production.local', '.env.test', '.env.test.local'];

/** Each candidate file sets the key to its own name; the winner is removed until none is left. */
async function precedence(dir: string, winner: () => Promise<string | undefined>): Promise<string[]> {
  for (const name of CANDIDATES) await writeFile(join(dir, name), `DATABASE_URL=${name}\n`);
  const order: string[] = [];
  for (let file = await winner(); file !== undefined; file = await winner()) {
    order.push(file);
    await rm(join(dir, file));
  }
  return order;
}

/** What `next dev` reads: @next/env's loadEnvConfig(dir, dev = true), in a clean process. */
function nextDevValue(dir: string): string | undefined {
  const script = `const { loadEnvConfig } = require('@next/env');
const { combinedEnv } = loadEnvConfig(process.argv[1], true, { info() {}, error() {} });
process.stdout.write(combinedEnv.DATABASE_URL ?? '');`;
  const env = cliEnv({ NODE_ENV: undefined });
  const out = execFileSync(process.execPath, ['-e', script, dir], { cwd: join(import.meta.dirname, '..'), env, encoding: 'utf8' });
  return out === '' ? undefined : out;
}

const packageJson = (cwd: string, deps: Record<string, string>) => writeFile(join(cwd, 'package.json'), JSON.stringify({ dependencies: deps }));

describe('the frameworks\' own load order', () => {
  test('Next.js (next dev): the files and their order are what @next/env reads', async () => {
    const dir = await tempProject();
    await packageJson(dir, { next: '16' });
    const order = await precedence(dir, async () => nextDevValue(dir));
    expect(order).toEqual(['.env.development.local', '.env.local', '.env.development', '.env']);
    expect((await detectFramework(dir))?.envFiles).toEqual(order);
  });

  test('Vite and the frameworks on it (vite dev): the files and their order are what loadEnv reads', async () => {
    const dir = await tempProject();
    await packageJson(dir, { vite: '7' });
    const order = await precedence(dir, async () => loadEnv('development', dir, '').DATABASE_URL);
    expect(order).toEqual(['.env.development.local', '.env.development', '.env.local', '.env']);
    expect((await detectFramework(dir))?.envFiles).toEqual(order);
    for (const kit of ['@sveltejs/kit', 'astro']) {
      await packageJson(dir, { [kit]: '1', vite: '7' });
      expect((await detectFramework(dir))?.envFiles).toEqual(order);
    }
  });
});

describe('a key set in another file the framework reads', () => {
  test('Next.js, DATABASE_URL in .env.local: get-db -y creates nothing and names .env.local', async () => {
    const cwd = await tempProject();
    await packageJson(cwd, { next: '16', react: '19' });
    await writeFile(join(cwd, '.env.local'), 'DATABASE_URL=postgres://me@localhost/app\n');
    const creates = api.createRequests().length;
    const json = await createWith(api, cwd, ['--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, action: 'skipped', reason: 'key-exists', envFile: join(cwd, '.env.local'), key: 'DATABASE_URL', warnings: [] });
    const human = await createWith(api, cwd);
    expect(human.stderr).toContain('DATABASE_URL is already set in .env.local; left it as it is and created no database.');
    expect(human.stderr).toContain('to replace it: npx get-db --force -e .env.local');
    expect(api.createRequests().length).toBe(creates);
    expect(existsSync(join(cwd, '.env'))).toBe(false);
    // And it is the value next dev runs with.
    expect(nextDevValue(cwd)).toBe('postgres://me@localhost/app');
  });

  test('Vite, in .env.development; Next.js, in .env.development: found the same way', async () => {
    for (const [framework, file] of [['vite', '.env.development'], ['next', '.env.development'], ['@sveltejs/kit', '.env.development.local']] as const) {
      const cwd = await tempProject();
      await packageJson(cwd, { [framework]: '1' });
      await writeFile(join(cwd, file), 'DATABASE_URL=postgres://me@localhost/app\n');
      const { code, stdout } = await createWith(api, cwd, ['--json']);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ action: 'skipped', envFile: join(cwd, file) });
    }
  });

  test('no framework: only the env file counts (a stray .env.local is not read by anything)', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env.local'), 'DATABASE_URL=postgres://me@localhost/app\n');
    const { code, stdout } = await createWith(api, cwd, ['--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).action).toBe('created');
  });

  test('--force writes into the env file and says the file Next.js reads first still wins', async () => {
    const cwd = await tempProject();
    await packageJson(cwd, { next: '16' });
    await writeFile(join(cwd, '.env.local'), 'DATABASE_URL=postgres://me@localhost/app\n');
    const { code, stdout } = await createWith(api, cwd, ['--json', '--force']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ action: 'created', envFile: join(cwd, '.env'), replaced: false });
    expect(result.warnings).toEqual(['Next.js reads DATABASE_URL from .env.local before .env: the value there still wins. Delete it there to use the new database.']);
    expect(await readFile(join(cwd, '.env.local'), 'utf8')).toBe('DATABASE_URL=postgres://me@localhost/app\n');
  });

  test('the library finds it too: KEY_EXISTS names .env.local, nothing created', async () => {
    const cwd = await tempProject();
    await packageJson(cwd, { next: '16' });
    await writeFile(join(cwd, '.env.local'), 'DATABASE_URL=postgres://me@localhost/app\n');
    const creates = api.createRequests().length;
    await expect(instantPostgres({ referrer: 'fw-test', cwd, apiUrl: api.apiUrl })).rejects.toMatchObject({
      code: 'KEY_EXISTS',
      message: `DATABASE_URL is already set in ${join(cwd, '.env.local')}; nothing was created.`,
    });
    expect(api.createRequests().length).toBe(creates);
  });
});

describe('one prefix rule', () => {
  test('in a Next.js project the CLI and the library both write NEXT_PUBLIC_INSTAGRES_CLAIM_URL; in a Vite one, VITE_', async () => {
    for (const [framework, prefix] of [['next', 'NEXT_PUBLIC_'], ['vite', 'VITE_'], ['nuxt', 'NUXT_PUBLIC_']] as const) {
      const viaCli = await tempProject();
      await packageJson(viaCli, { [framework]: '1' });
      expect((await createWith(api, viaCli)).code).toBe(0);
      const viaLibrary = await tempProject();
      await packageJson(viaLibrary, { [framework]: '1' });
      await instantPostgres({ referrer: 'fw-test', cwd: viaLibrary, apiUrl: api.apiUrl });
      for (const cwd of [viaCli, viaLibrary]) {
        expect(Object.keys(parse(await readFile(join(cwd, '.env'), 'utf8')))).toEqual(['DATABASE_URL', 'DATABASE_URL_DIRECT', `${prefix}INSTAGRES_CLAIM_URL`]);
      }
    }
  });
});
