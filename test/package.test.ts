/**
 * The built package as a consumer meets it: `get-db`, `get-db/vite`, `get-db/astro` and `get-db/nuxt` through the `exports`
 * map, their type declarations under NodeNext resolution, and `get-db/vite` loading in a
 * project where vite is not installed (it is an optional peer).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { tempProject } from './helpers/cli.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '..');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Prints what a consumer's `import` gets; `vite` is looked up from the same place. */
const PROBE = `
const vitePlugin = await import('get-db/vite');
const lib = await import('get-db');
const astro = await import('get-db/astro');
const nuxt = await import('get-db/nuxt');
const plugins = vitePlugin.postgres({ referrer: 'probe' });
const applied = (command) => plugins.filter((p) => !p.apply || p.apply({}, { command, mode: 'production' })).map((p) => p.name);
const viteFound = await import('vite').then(() => true, () => false);
console.log(JSON.stringify({
  sameFunction: vitePlugin.default === vitePlugin.postgres,
  pluginNames: plugins.map((p) => p.name),
  // Only the part that notes "a build is running" (so compilers it starts stay inert).
  appliedToBuild: applied('build'),
  astro: [astro.default === astro.postgres, astro.postgres({ referrer: 'probe' }).name],
  nuxt: [typeof nuxt.default, (await nuxt.default.getMeta()).configKey],
  library: [typeof lib.instantPostgres, typeof lib.GetDbError, typeof lib.createIntoEnv, typeof lib.seedDatabase],
  viteFound,
}));
`;

async function probe(cwd: string) {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE], { cwd });
  return JSON.parse(stdout);
}

test('both entry points resolve through exports; get-db/vite loads where vite is not installed', async () => {
  const project = await tempProject('get-db-consumer-');
  const installed = join(project, 'node_modules', 'get-db');
  await mkdir(installed, { recursive: true });
  // What `npm install get-db` unpacks ("files": bin, dist), and no vite anywhere above.
  for (const entry of ['package.json', 'bin', 'dist']) await cp(join(REPO, entry), join(installed, entry), { recursive: true });
  expect(await probe(project)).toEqual({
    sameFunction: true,
    pluginNames: ['get-db:postgres', 'get-db:postgres:env'],
    appliedToBuild: ['get-db:postgres'],
    astro: [true, 'get-db'],
    nuxt: ['function', 'getDb'],
    library: ['function', 'function', 'function', 'function'],
    viteFound: false,
  });
});

test('get-db mcp answers from an installed copy: its #mcp-sdk import resolves inside the package', async () => {
  const project = await tempProject('get-db-installed-mcp-');
  const installed = join(project, 'node_modules', 'get-db');
  await mkdir(installed, { recursive: true });
  for (const entry of ['package.json', 'bin', 'dist']) await cp(join(REPO, entry), join(installed, entry), { recursive: true });
  const messages = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  ];
  const child = execFile(process.execPath, [join(installed, 'bin', 'get-db.cjs'), 'mcp'], { cwd: project });
  let stdout = '';
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  child.stdin!.end(messages.map((message) => JSON.stringify(message)).join('\n') + '\n');
  await new Promise((done) => child.once('close', done));
  const answers = stdout.trim().split('\n').map((line) => JSON.parse(line));
  expect(answers[1].result.tools.map((tool: { name: string }) => tool.name).sort()).toEqual(['claim_url', 'create_database', 'database_status', 'run_sql', 'seed_database']);
});

test('the declarations type-check a copy-paste vite.config.ts and a library caller (NodeNext)', async () => {
  const project = await tempProject('get-db-types-');
  await mkdir(join(project, 'node_modules', '@types'), { recursive: true });
  await symlink(REPO, join(project, 'node_modules', 'get-db'));
  await symlink(join(REPO, 'node_modules', 'vite'), join(project, 'node_modules', 'vite'));
  await symlink(join(REPO, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'));
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] } }),
  );
  await writeFile(
    join(project, 'vite.config.ts'),
    `import { defineConfig } from 'vite';
import { postgres } from 'get-db/vite';
import postgresDefault, { type PostgresPluginOptions } from 'get-db/vite';

const options: PostgresPluginOptions = { referrer: 'your-app-name', dotEnvFile: '.env.local', seed: { type: 'sql-script', path: './schema.sql' } };
// @ts-expect-error referrer is required
postgres({});
// @ts-expect-error only sql-script seeds exist
postgres({ referrer: 'x', seed: { type: 'csv', path: 'a.csv' } });

export default defineConfig({ plugins: [postgres({ referrer: 'your-app-name' }), postgresDefault(options)] });
`,
  );
  // Astro and Nuxt are not installed here: the integrations' declarations stand alone.
  await writeFile(
    join(project, 'integrations.ts'),
    `import astroPostgres from 'get-db/astro';
import getDbNuxt from 'get-db/nuxt';

const integrations = [astroPostgres({ referrer: 'your-app-name', envPrefix: 'PUBLIC_' })];
// @ts-expect-error referrer is required
astroPostgres({});
const nuxtModule: typeof getDbNuxt = getDbNuxt;
console.log(integrations, nuxtModule);
`,
  );
  await writeFile(
    join(project, 'caller.ts'),
    `import { instantPostgres, isGetDbError, makeCreatePlan, createIntoEnv, type ErrorCode, type SeedOptions } from 'get-db';

const seed: SeedOptions = { connectionString: 'postgresql://u:p@h/db', files: ['schema.sql'] };
try {
  const db = await instantPostgres({ referrer: 'my-scaffolder', dotEnvFile: '.env.local' });
  const expires: Date = db.claimExpiresAt;
  console.log(db.databaseUrl, db.claimUrl, expires, seed);
  const outcome = await createIntoEnv(await makeCreatePlan({ referrer: 'x', ifKeyExists: 'skip' }));
  if (outcome.action === 'created') console.log(outcome.claimUrl);
} catch (error) {
  if (isGetDbError(error)) {
    const code: ErrorCode = error.code;
    console.log(code, error.hint);
  }
}
`,
  );
  const result = await run(process.execPath, [TSC, '-p', project]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
  expect(result).toBe('');
});
