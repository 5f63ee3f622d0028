/**
 * `get-db serve --embedded`: the offline quick start. A PostgreSQL from npm-shipped
 * binaries, kept in --data-dir between runs, closed to the roles serve makes.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { expect, test } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';
import { spawnServe } from './helpers/serve.js';
import { connectError, getJson, withClient } from './helpers/serve-http.js';

test('starts its own PostgreSQL; the CLI works against it; a restart on the same data folder keeps everything', async () => {
  // Not inside a 0700 temp folder: as root, PostgreSQL runs as another user that must reach it.
  const dataDir = join(tmpdir(), `get-db-embedded-${randomBytes(4).toString('hex')}`);
  const first = await spawnServe(['--embedded', '--data-dir', dataDir]);
  const cwd = await tempProject();
  try {
    const created = await runCli(['-y', '--json', '--api-url', first.apiUrl], { cwd });
    expect(created.code, created.stderr).toBe(0);
    expect(first.stderr()).not.toContain('Every role may connect'); // it closed them instead
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
