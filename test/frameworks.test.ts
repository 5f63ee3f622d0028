/**
 * get-db in the frameworks people reach Vite through, as a user meets it: a real project of
 * each (fixtures/frameworks/), started with the framework's own CLI against the loopback API.
 * What a user checks: how many databases were made, what a server route reads, what the
 * page and client code show, what the dev server prints; and that a build makes none.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { freePort } from './helpers/postgres.js';
import { binOf, cleanProject, FIXTURES, installFixtures, projectEnv, start, waitForPage, type Running } from './helpers/frameworks.js';
import { nodeBinary } from './helpers/node-binaries.js';

interface Framework {
  /** Folder under fixtures/frameworks. */
  name: string;
  /** Node major to run it with: the newest majors need 22. */
  node: 20 | 22;
  cli: { pkg: string; command: string };
  dev: (port: number) => string[];
  build: string[];
  /** Left by a build or a dev start; removed before each run. */
  outputs: string[];
  prefix: string;
  /** A server route answering `{ url: <DATABASE_URL as server code reads it> }`. */
  route: string;
  /** Where client code shows the claim URL: the page, or a client module. */
  client: string[];
  /** Runs more than one compiler per dev process: check a failing API is asked and reported once. */
  compilers?: boolean;
}

const host = (port: number) => ['--port', String(port), '--host', '127.0.0.1'];
const vite = (name: string, node: 20 | 22, extra: Partial<Framework> = {}): Framework => ({
  name,
  node,
  cli: { pkg: 'vite', command: 'vite' },
  dev: (port) => ['dev', ...host(port), '--strictPort'],
  build: ['build'],
  outputs: ['dist', 'node_modules/.vite'],
  prefix: 'VITE_',
  route: '/api/db',
  client: ['/main.js'],
  ...extra,
});
const sveltekit = (name: string, node: 20 | 22, client: string[] = []) =>
  vite(name, node, { outputs: ['.svelte-kit', 'node_modules/.vite'], prefix: 'PUBLIC_', client: ['/', ...client] });
const astro = (name: string, node: 20 | 22): Framework => ({
  name,
  node,
  cli: { pkg: 'astro', command: 'astro' },
  dev: (port) => ['dev', ...host(port)],
  build: ['build'],
  outputs: ['dist', '.astro', 'node_modules/.vite', 'node_modules/.astro'],
  prefix: 'PUBLIC_',
  route: '/api/db.json',
  // The page's <script>, as the browser loads it.
  client: ['/', '/src/pages/index.astro?astro&type=script&index=0&lang.ts'],
});
const reactRouter = (name: string, node: 20 | 22): Framework => ({
  name,
  node,
  cli: { pkg: '@react-router/dev', command: 'react-router' },
  dev: (port) => ['dev', ...host(port), '--strictPort'],
  build: ['build'],
  outputs: ['build', '.react-router', 'node_modules/.vite', 'node_modules/.vite-child-compiler'],
  prefix: 'VITE_',
  route: '/api/db',
  client: ['/', '/app/routes/home.js'],
  compilers: true,
});

const FRAMEWORKS: Framework[] = [
  vite('vite5', 20),
  vite('vite6', 20),
  vite('vite8', 20),
  // $env/static/public, as the browser loads it.
  sveltekit('sveltekit2', 20, ['/@id/__x00__virtual:env/static/public']),
  sveltekit('sveltekit3', 22),
  astro('astro5', 20),
  astro('astro7', 22),
  reactRouter('react-router7', 20),
  reactRouter('react-router8', 22),
  {
    name: 'nuxt4',
    node: 22,
    cli: { pkg: 'nuxt', command: 'nuxt' },
    dev: (port) => ['dev', ...host(port)],
    build: ['build'],
    outputs: ['.nuxt', '.output', 'node_modules/.cache'],
    prefix: 'NUXT_PUBLIC_',
    route: '/api/db',
    client: ['/'],
    compilers: true,
  },
];

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({ postgres: inject('postgres') });
  await installFixtures(FRAMEWORKS.map((f) => f.name));
}, 600_000);
afterAll(() => api?.close());

const createCount = () => api.createRequests().length;
const reminders = (output: string) => output.split('\n').filter((line) => line.includes('[get-db]') && line.includes('unless you claim it:'));
const getDbErrors = (output: string) => output.split('\n').filter((line) => line.includes('[get-db]') && /could not|failed|error/i.test(line));

async function devStart(framework: Framework, dir: string, node: string, script: string): Promise<Running & { base: string }> {
  const port = await freePort();
  const running = start(node, [script, ...framework.dev(port)], dir, projectEnv({ INSTAGRES_API_URL: api.apiUrl }));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForPage(`${base}/`, running, 120_000);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return { ...running, base };
}

async function serverSees(base: string, route: string): Promise<unknown> {
  const response = await fetch(`${base}${route}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { url: unknown }).url;
}

describe.each(FRAMEWORKS)('$name', (framework) => {
  const dir = join(FIXTURES, framework.name);

  test(`${framework.name} (Node ${framework.node}): first dev start makes one database, seen by server code and (its claim URL) by client code; the second makes none and reminds once; build makes none`, async () => {
    const node = framework.node === 20 ? process.execPath : nodeBinary(framework.node);
    const script = await binOf(dir, framework.cli.pkg, framework.cli.command);
    await cleanProject(dir, framework.outputs);

    const before = createCount();
    const first = await devStart(framework, dir, node, script);
    try {
      expect(createCount()).toBe(before + 1);
      const db = api.lastCreated()!;
      const written = parse(await readFile(join(dir, '.env'), 'utf8'));
      expect(written).toEqual({
        DATABASE_URL: db.connection_string,
        DATABASE_URL_DIRECT: expect.any(String),
        [`${framework.prefix}INSTAGRES_CLAIM_URL`]: db.claim_url,
      });
      expect(await serverSees(first.base, framework.route)).toBe(db.connection_string);
      for (const path of framework.client) {
        const body = await (await fetch(`${first.base}${path}`)).text();
        expect(body, `${path} shows the claim URL`).toContain(db.claim_url);
        expect(body, `${path} never shows the connection string`).not.toContain(db.connection_string);
      }
      expect(reminders(first.output())).toHaveLength(1);
      expect(getDbErrors(first.output())).toEqual([]);
    } finally {
      await first.stop();
    }

    const second = await devStart(framework, dir, node, script);
    try {
      expect(await serverSees(second.base, framework.route)).toBe(api.lastCreated()!.connection_string);
      expect(createCount()).toBe(before + 1);
      expect(reminders(second.output())).toHaveLength(1);
      expect(second.output()).not.toContain('Created database');
    } finally {
      await second.stop();
    }

    await cleanProject(dir, framework.outputs);
    const build = start(node, [script, ...framework.build], dir, projectEnv({ INSTAGRES_API_URL: api.apiUrl }));
    const code = await build.exited;
    expect(code, build.output()).toBe(0);
    expect(createCount()).toBe(before + 1);
    expect(existsSync(join(dir, '.env'))).toBe(false);
    expect(build.output()).not.toContain('[get-db]');
  }, 600_000);
});

// Frameworks that run more than one compiler in one dev process (client and server builds).
describe.each(FRAMEWORKS.filter((framework) => framework.compilers))('$name, API failing', (framework) => {
  const dir = join(FIXTURES, framework.name);

  test(`${framework.name}: when the API fails, one dev start asks once (with its retries) and prints one error`, async () => {
    const node = framework.node === 20 ? process.execPath : nodeBinary(framework.node);
    const script = await binOf(dir, framework.cli.pkg, framework.cli.command);
    await cleanProject(dir, framework.outputs);
    const before = createCount();
    api.fail(8, 500);
    const dev = await devStart(framework, dir, node, script);
    try {
      expect(createCount()).toBe(before + 4); // one create: the first attempt and 3 retries
      expect(dev.output().split('\n').filter((line) => line.includes('[get-db]') && line.includes('Could not create'))).toHaveLength(1);
      expect(existsSync(join(dir, '.env'))).toBe(false);
    } finally {
      api.resetScript();
      await dev.stop();
    }
  }, 300_000);
});
