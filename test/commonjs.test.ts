/**
 * get-db in a CommonJS project, as `npm init -y` makes one ("type": "commonjs"), with the
 * package installed from its packed tarball: require() of every entry point on each Node we
 * promise, TypeScript (NodeNext) compiling to CommonJS, and a vite.config.js that Vite bundles
 * as CommonJS in Vite 6, 7 and 8. require() gets the ES modules themselves through Node's
 * require(esm) (docs/library-and-plugins.md, "CommonJS").
 */
import { execFile } from 'node:child_process';
import { readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv } from './helpers/cli.js';
import { consumerProject } from './helpers/consumer.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { installedFixture, projectEnv, start, waitForPage } from './helpers/frameworks.js';
import { installOnce, nodeBinary } from './helpers/node-binaries.js';
import { freePort } from './helpers/postgres.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '..');

let api: FakeApi;
let project: string;
beforeAll(async () => {
  api = await startFakeApi();
  project = await consumerProject({ name: 'cjs-app', version: '1.0.0', main: 'index.js', license: 'ISC', type: 'commonjs' });
  // What the TypeScript and Vite cases type-check and load against.
  await mkdir(join(project, 'node_modules', '@types'), { recursive: true });
  await symlink(join(REPO, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'));
}, 120_000);
afterAll(() => api?.close());

async function freshEnv(): Promise<void> {
  await rm(join(project, '.env'), { force: true });
}

async function writtenUrl(): Promise<string | undefined> {
  return parse(await readFile(join(project, '.env'), 'utf8')).DATABASE_URL;
}

/** Every entry point through require(), and one create through the library. */
const PROBE = `
const lib = require('get-db');
const vite = require('get-db/vite');
const astro = require('get-db/astro');
const nuxt = require('get-db/nuxt');
(async () => {
  const esm = await import('get-db');
  const db = await lib.instantPostgres({ referrer: 'cjs-probe', apiUrl: process.env.API_URL });
  console.log(JSON.stringify({
    node: process.versions.node,
    oneCopy: esm.instantPostgres === lib.instantPostgres && esm.GetDbError === lib.GetDbError,
    library: [typeof lib.instantPostgres, typeof lib.isGetDbError, typeof lib.createIntoEnv, typeof lib.seedDatabase],
    vite: [vite.default === vite.postgres, vite.postgres({ referrer: 'x' }).map((p) => p.name)],
    astro: [astro.default === astro.postgres, astro.postgres({ referrer: 'x' }).name],
    nuxt: typeof nuxt.default,
    created: db.databaseUrl,
  }));
})();
`;

describe.each([20, 22, 24])('require() on Node %i', (major) => {
  test('every entry point loads, the library creates, and nothing is printed besides', async () => {
    const node = major === 20 ? process.execPath : nodeBinary(major);
    await freshEnv();
    await writeFile(join(project, 'probe.js'), PROBE);
    const { stdout, stderr } = await run(node, ['probe.js'], { cwd: project, env: cliEnv({ API_URL: api.apiUrl }) });
    expect(stderr).toBe(''); // no ExperimentalWarning about require(esm)
    const result = JSON.parse(stdout);
    expect(result).toEqual({
      node: expect.stringMatching(new RegExp(`^${major}\\.`)),
      oneCopy: true,
      library: ['function', 'function', 'function', 'function'],
      vite: [true, ['get-db:postgres', 'get-db:postgres:env']],
      astro: [true, 'get-db'],
      nuxt: 'function',
      created: api.lastCreated()!.connection_string,
    });
    expect(await writtenUrl()).toBe(result.created);
  });
});

test('Node 20.18 (no require(esm)): require() says what to do; import() and the CLI work', async () => {
  const node = nodeBinary('20.18');
  const required = await run(node, ['-e', "require('get-db/vite')"], { cwd: project, env: cliEnv() }).then(
    () => undefined,
    (error: { stderr: string }) => error.stderr,
  );
  expect(required).toMatch(/get-db is an ES module: require\(\) of it needs Node\.js 20\.19\+, 22\.12\+ or 24\+ \(this is v20\.18\.\d+\)\. Upgrade Node\.js, or load it with import\(\)\./);
  const imported = await run(node, ['-e', "import('get-db/vite').then((m) => console.log(typeof m.postgres))"], { cwd: project, env: cliEnv() });
  expect(imported.stdout.trim()).toBe('function');
  const version = await run(node, [join(project, 'node_modules', 'get-db', 'bin', 'get-db.cjs'), '--version'], { cwd: project, env: cliEnv() });
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
});

const TYPESCRIPT_CALLER = `import { instantPostgres, isGetDbError, GetDbError, type ErrorCode, type InstantPostgresResult } from 'get-db';
import postgres, { postgres as named, type PostgresPluginOptions } from 'get-db/vite';
import astro from 'get-db/astro';
import nuxt from 'get-db/nuxt';

const options: PostgresPluginOptions = { referrer: 'ts-cjs', dotEnvFile: '.env' };
// @ts-expect-error referrer is required
named({});
// @ts-expect-error a result's expiry is a Date
export const wrong: (result: InstantPostgresResult) => string = (result) => result.claimExpiresAt;
const code: ErrorCode = 'USAGE';

async function main(): Promise<void> {
  const db = await instantPostgres({ referrer: 'ts-cjs', apiUrl: process.env.API_URL });
  const expires: Date = db.claimExpiresAt;
  console.log(JSON.stringify({
    plugins: postgres(options).length,
    same: postgres === named,
    astro: astro({ referrer: 'ts-cjs' }).name,
    nuxt: typeof nuxt,
    error: isGetDbError(new GetDbError(code, 'm')),
    expires: expires instanceof Date,
    created: db.databaseUrl,
  }));
}
void main();
`;

describe('TypeScript, NodeNext, compiling to CommonJS', () => {
  // 5.3: the oldest that reads the declarations' resolution-mode import of vite's types.
  test.each([['this repository\'s', join(REPO, 'node_modules', 'typescript')], ['5.3', '']])('TypeScript %s type-checks the caller, and its output runs', async (_name, installed) => {
    let typescript = installed;
    if (!typescript) {
      const target = join(REPO, 'node_modules', '.cache', 'get-db-typescript-5.3');
      installOnce('typescript@5.3', target);
      typescript = join(target, 'node_modules', 'typescript');
    }
    await freshEnv();
    await mkdir(join(project, 'src'), { recursive: true });
    await writeFile(join(project, 'src', 'main.ts'), TYPESCRIPT_CALLER);
    // Not linked by npm (it would prune it): vite for vite.d.cts's types.
    await rm(join(project, 'node_modules', 'vite'), { force: true });
    await symlink(join(REPO, 'node_modules', 'vite'), join(project, 'node_modules', 'vite'));
    // What `tsc --init` writes, with NodeNext.
    const tsconfig = { compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, esModuleInterop: true, skipLibCheck: true, outDir: 'out', types: ['node'] }, include: ['src'] };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const compiled = await run(process.execPath, [join(typescript, 'bin', 'tsc'), '-p', project]).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(compiled).toBe('');
    expect(await readFile(join(project, 'out', 'main.js'), 'utf8')).toContain('require("get-db")');
    const { stdout, stderr } = await run(process.execPath, ['out/main.js'], { cwd: project, env: cliEnv({ API_URL: api.apiUrl }) });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({ plugins: 2, same: true, astro: 'get-db', nuxt: 'function', error: true, expires: true, created: api.lastCreated()!.connection_string });
    expect(await writtenUrl()).toBe(api.lastCreated()!.connection_string);
  });
});

// The config as Vite's docs write it; in a CommonJS package Vite bundles it to CommonJS, so
// get-db/vite is require()d.
const VITE_CONFIG = {
  import: `import { defineConfig } from 'vite';
import { postgres } from 'get-db/vite';

export default defineConfig({ plugins: [postgres({ referrer: 'cjs-vite' })] });
`,
  require: `const { defineConfig } = require('vite');
const { postgres } = require('get-db/vite');

module.exports = defineConfig({ plugins: [postgres({ referrer: 'cjs-vite' })] });
`,
};

const VITES: Array<[version: number, config: keyof typeof VITE_CONFIG, where: () => Promise<string>]> = [
  [6, 'import', async () => join(await installedFixture('vite6'), 'node_modules', 'vite')],
  [7, 'import', async () => join(REPO, 'node_modules', 'vite')],
  [7, 'require', async () => join(REPO, 'node_modules', 'vite')],
  [8, 'import', async () => join(await installedFixture('vite8'), 'node_modules', 'vite')],
];

describe.each(VITES)('Vite %i, vite.config.js with %s syntax in a CommonJS package', (version, config, where) => {
  test('the first dev start makes a database and writes it', async () => {
    const vite = await where();
    expect(JSON.parse(await readFile(join(vite, 'package.json'), 'utf8')).version).toMatch(new RegExp(`^${version}\\.`));
    await freshEnv();
    await rm(join(project, 'node_modules', 'vite'), { force: true });
    await symlink(vite, join(project, 'node_modules', 'vite'));
    await writeFile(join(project, 'vite.config.js'), VITE_CONFIG[config]);
    await writeFile(join(project, 'index.html'), '<!doctype html><title>cjs</title>\n');
    const before = api.createRequests().length;
    const port = await freePort();
    const dev = start(process.execPath, [join(vite, 'bin', 'vite.js'), '--port', String(port), '--host', '127.0.0.1', '--strictPort'], project, projectEnv({ INSTAGRES_API_URL: api.apiUrl }));
    try {
      await waitForPage(`http://127.0.0.1:${port}/`, dev, 60_000);
      expect(api.createRequests().length).toBe(before + 1);
      expect(await writtenUrl()).toBe(api.lastCreated()!.connection_string);
      expect(dev.output()).not.toMatch(/ESM only|ERR_REQUIRE_ESM|failed to load config/i);
    } finally {
      await dev.stop();
    }
  }, 120_000);
});

