import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { anchoredPattern, appendIgnoreLine, ensureGitIgnored, mayBeInRepository } from '../src/env/gitignore.js';

const hasGit = (() => {
  try {
    execFileSync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

async function repo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'get-db-git-'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

const ignoredByGit = (dir: string, file: string): boolean => {
  try {
    execFileSync('git', ['check-ignore', '-q', file], { cwd: dir });
    return true;
  } catch {
    return false;
  }
};

describe('pure parts', () => {
  test('anchoredPattern: forward slashes, anchored at the top', () => {
    expect(anchoredPattern(join('/r'), join('/r', 'apps', 'web', '.env.local'))).toBe('/apps/web/.env.local');
    expect(anchoredPattern(join('/r'), join('/r', '.env'))).toBe('/.env');
  });
  test('appendIgnoreLine keeps every byte and the EOL style', () => {
    expect(appendIgnoreLine('', '/.env')).toBe('/.env\n');
    expect(appendIgnoreLine('node_modules\n', '/.env')).toBe('node_modules\n/.env\n');
    expect(appendIgnoreLine('node_modules\r\ndist', '/.env')).toBe('node_modules\r\ndist\r\n/.env\r\n');
  });
});

describe.runIf(hasGit)('ensureGitIgnored (real git)', () => {
  test('adds an anchored path to the top-level .gitignore for a nested env file', async () => {
    const dir = await repo();
    await mkdir(join(dir, 'apps', 'web'), { recursive: true });
    await writeFile(join(dir, '.gitignore'), 'node_modules\r\n# keep me\r\ndist');
    const result = await ensureGitIgnored(join(dir, 'apps', 'web', '.env.local'));
    expect(result.added).toBe(true);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules\r\n# keep me\r\ndist\r\n/apps/web/.env.local\r\n');
    expect(ignoredByGit(dir, 'apps/web/.env.local')).toBe(true);
  });
  test('creates .gitignore when there is none; a second call adds nothing', async () => {
    const dir = await repo();
    expect(await ensureGitIgnored(join(dir, '.env'))).toMatchObject({ added: true });
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('/.env\n');
    if (process.platform !== 'win32') expect((await stat(join(dir, '.gitignore'))).mode & 0o777).toBe(0o644);
    expect(await ensureGitIgnored(join(dir, '.env'))).toEqual({ added: false });
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('/.env\n');
  });
  test('already ignored by a nested .gitignore: nothing touched', async () => {
    const dir = await repo();
    await mkdir(join(dir, 'app'));
    await writeFile(join(dir, 'app', '.gitignore'), '.env*\n');
    expect(await ensureGitIgnored(join(dir, 'app', '.env'))).toEqual({ added: false });
    await expect(readFile(join(dir, '.gitignore'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
  test('outside a work tree: nothing happens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'get-db-nogit-'));
    expect(await ensureGitIgnored(join(dir, '.env'))).toEqual({ added: false });
    await expect(readFile(join(dir, '.gitignore'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe.runIf(hasGit)('where git is asked at all', () => {
  test('a linked work tree (.git is a file) and GIT_DIR are found like a plain repository', async () => {
    const main = await repo();
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: main });
    const linked = join(await mkdtemp(join(tmpdir(), 'get-db-linked-')), 'wt');
    execFileSync('git', ['worktree', 'add', '-q', linked], { cwd: main });
    await mkdir(join(linked, 'deep', 'er'), { recursive: true });
    expect(await ensureGitIgnored(join(linked, 'deep', 'er', '.env'))).toMatchObject({ added: true });
    expect(await readFile(join(linked, '.gitignore'), 'utf8')).toBe('/deep/er/.env\n');

    const elsewhere = await mkdtemp(join(tmpdir(), 'get-db-gitdir-'));
    expect(await mayBeInRepository(elsewhere, {})).toBe(false);
    const saved = { GIT_DIR: process.env.GIT_DIR, GIT_WORK_TREE: process.env.GIT_WORK_TREE };
    Object.assign(process.env, { GIT_DIR: join(main, '.git'), GIT_WORK_TREE: elsewhere });
    try {
      expect(await ensureGitIgnored(join(elsewhere, '.env'))).toMatchObject({ added: true });
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(await readFile(join(elsewhere, '.gitignore'), 'utf8')).toBe('/.env\n');
  });

  test.runIf(process.platform !== 'win32')('outside any repository git is not started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'get-db-nogit-'));
    // A git on PATH that leaves a mark when run.
    await mkdir(join(dir, 'bin'));
    await writeFile(join(dir, 'bin', 'git'), `#!/bin/sh\necho ran > "${join(dir, 'git-ran')}"\nexit 128\n`, { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'bin');
    try {
      expect(await ensureGitIgnored(join(dir, '.env'))).toEqual({ added: false });
      await expect(stat(join(dir, 'git-ran'))).rejects.toMatchObject({ code: 'ENOENT' });
      await mkdir(join(dir, '.git'));
      expect(await ensureGitIgnored(join(dir, '.env'))).toEqual({ added: false });
      expect((await stat(join(dir, 'git-ran'))).isFile()).toBe(true);
    } finally {
      process.env.PATH = path;
    }
  });
});

test.runIf(hasGit)('git not installed: nothing happens, no error, even inside a work tree', async () => {
  const dir = await repo();
  const path = process.env.PATH;
  process.env.PATH = join(dir, 'empty');
  try {
    expect(await ensureGitIgnored(join(dir, '.env'))).toEqual({ added: false });
  } finally {
    process.env.PATH = path;
  }
  await expect(readFile(join(dir, '.gitignore'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
});
