/**
 * The promised Node.js majors besides the one running the suite (20): the built CLI's key
 * flows (create + seed with COPY, seed, status, claim, --help) and the library, run under
 * Node 22 and 24 (official binaries from npm, test/helpers/node-binaries.ts) against the
 * loopback API and the test PostgreSQL. Node-specific behaviour lives in the HTTP client,
 * pg's TLS/SCRAM, streams and the CJS→ESM hand-over; these flows go through all of them.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { cliEnv, runCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { nodeBinary } from './helpers/node-binaries.js';
import { countRows } from './helpers/postgres.js';

const run = promisify(execFile);
const LIBRARY = pathToFileURL(resolve(import.meta.dirname, '../dist/index.js')).href;
const SCHEMA = 'CREATE TABLE t (id int, name text);\nCOPY t (id, name) FROM stdin;\n1\tone\n2\ttwo\n\\.\nINSERT INTO t VALUES (3, $$three; with a semicolon$$);\n';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({ postgres: inject('postgres') });
});
afterAll(() => api.close());

describe.each([22, 24])('Node %i', (major) => {
  let node: string;
  beforeAll(() => {
    node = nodeBinary(major);
  });

  const cli = (args: string[], cwd: string) => runCli([...args, '--api-url', api.apiUrl], { cwd, node });

  test('is the Node it says', async () => {
    const { stdout } = await run(node, ['-p', 'process.versions.node']);
    expect(stdout.trim().split('.')[0]).toBe(String(major));
  });

  test('the CLI: --help, create + seed (COPY), seed again, status, claim', async () => {
    const cwd = await tempProject();
    const help = await runCli(['--help'], { cwd, node });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: get-db');

    await writeFile(join(cwd, 'schema.sql'), SCHEMA);
    const created = await cli(['-y', '--json', '--seed', 'schema.sql'], cwd);
    expect(created.code, created.stderr).toBe(0);
    const result = JSON.parse(created.stdout) as { databaseUrlDirect: string; claimUrl: string; seed: { statements: number; rowsCopied: number } };
    expect(result.seed).toMatchObject({ statements: 3, rowsCopied: 2 });
    expect(api.requests.at(-1)!.headers['user-agent']).toContain(`(node ${major}.`);
    const env = parse(await readFile(join(cwd, '.env'), 'utf8'));
    expect(env.DATABASE_URL_DIRECT).toBe(result.databaseUrlDirect);
    expect(await countRows(result.databaseUrlDirect, 't')).toBe(3);

    await writeFile(join(cwd, 'more.sql'), 'INSERT INTO t VALUES (4, $$four$$);\n');
    const seeded = await runCli(['seed', '--json', 'more.sql'], { cwd, node });
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(await countRows(result.databaseUrlDirect, 't')).toBe(4);

    const status = await cli(['status', '--json'], cwd);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, status: 'UNCLAIMED', connectionStringServed: true });
    const claim = await cli(['claim', '--json'], cwd);
    expect(JSON.parse(claim.stdout)).toMatchObject({ ok: true, claimUrl: result.claimUrl, status: 'UNCLAIMED' });
  });

  test('the library: import get-db, instantPostgres with a seed', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), SCHEMA);
    const script = `
      const { instantPostgres } = await import(${JSON.stringify(LIBRARY)});
      const db = await instantPostgres({ referrer: 'node-${major}', apiUrl: ${JSON.stringify(api.apiUrl)}, seed: { type: 'sql-script', path: 'schema.sql' } });
      console.log(JSON.stringify({ ...db, node: process.versions.node }));`;
    const { stdout } = await run(node, ['--input-type=module', '-e', script], { cwd, env: cliEnv() });
    const db = JSON.parse(stdout) as { databaseUrlDirect: string; envFile: string; node: string };
    expect(db.node.split('.')[0]).toBe(String(major));
    expect(db.envFile).toBe(join(cwd, '.env'));
    expect(await countRows(db.databaseUrlDirect, 't')).toBe(3);
  });
});
