import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { checkEnvPathWritable, readEnvFile, writeFileAtomic } from '../src/env/env-file.js';

const posix = process.platform !== 'win32';
const isRoot = process.getuid?.() === 0;
const tempDir = () => mkdtemp(join(tmpdir(), 'get-db-envfile-'));

describe('readEnvFile', () => {
  test('undefined when missing; the BOM stays in the text', async () => {
    const dir = await tempDir();
    expect(await readEnvFile(join(dir, '.env'))).toBeUndefined();
    await writeFile(join(dir, '.env'), '\uFEFFA=1\r\n');
    expect(await readEnvFile(join(dir, '.env'))).toBe('\uFEFFA=1\r\n');
  });
  test('a folder is ENV_READ_FAILED with a hint', async () => {
    const dir = await tempDir();
    await expect(readEnvFile(dir)).rejects.toMatchObject({ code: 'ENV_READ_FAILED', hint: expect.any(String) });
  });
  test.runIf(posix)('a pipe (FIFO) is ENV_READ_FAILED at once, not a read that waits for ever', async () => {
    const fifo = join(await tempDir(), '.env');
    execFileSync('mkfifo', [fifo]);
    await expect(readEnvFile(fifo)).rejects.toMatchObject({ code: 'ENV_READ_FAILED', message: expect.stringMatching(/not a regular file/) });
  });
});

describe('writeFileAtomic', () => {
  test.runIf(posix)('a new file gets mode 0600; an existing one keeps its mode', async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, '.env'), 'A=1\n');
    expect((await stat(join(dir, '.env'))).mode & 0o777).toBe(0o600);
    await writeFile(join(dir, 'shared.env'), 'A=1\n');
    await chmod(join(dir, 'shared.env'), 0o640);
    await writeFileAtomic(join(dir, 'shared.env'), 'A=2\n');
    expect((await stat(join(dir, 'shared.env'))).mode & 0o777).toBe(0o640);
    expect(await readFile(join(dir, 'shared.env'), 'utf8')).toBe('A=2\n');
  });

  test('replaces the content and leaves no temp file behind', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), 'old\n');
    await writeFileAtomic(join(dir, '.env'), 'new\r\n');
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('new\r\n');
    expect(await readdir(dir)).toEqual(['.env']);
  });

  test.runIf(posix)('a symlinked env file stays a symlink and its target is updated', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'shared'));
    await writeFile(join(dir, 'shared', 'real.env'), 'A=1\n');
    await symlink(join('shared', 'real.env'), join(dir, '.env'));
    await writeFileAtomic(join(dir, '.env'), 'A=2\n');
    expect((await lstat(join(dir, '.env'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'shared', 'real.env'), 'utf8')).toBe('A=2\n');
    expect((await readdir(join(dir, 'shared'))).sort()).toEqual(['real.env']);
  });

  test.runIf(posix)('a dangling symlink gets its target created, and stays a symlink', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'secrets'));
    await symlink(join('secrets', 'app.env'), join(dir, '.env'));
    await writeFileAtomic(join(dir, '.env'), 'A=1\n');
    expect((await lstat(join(dir, '.env'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'secrets', 'app.env'), 'utf8')).toBe('A=1\n');
    expect((await stat(join(dir, 'secrets', 'app.env'))).mode & 0o777).toBe(0o600);
  });

  test('the bytes are flushed to disk before a rename that replaces a file; a new file is not flushed', async () => {
    const dir = await tempDir();
    // The flush is fs.fsyncSync on the temp file (src/env/fs-calls.ts): watch it while the writes run.
    const sync = vi.spyOn(fs, 'fsyncSync');
    try {
      await writeFileAtomic(join(dir, '.env'), 'A=1\n');
      expect(sync).not.toHaveBeenCalled();
      await writeFileAtomic(join(dir, '.env'), 'A=2\n');
      expect(sync).toHaveBeenCalledTimes(1);
      expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=2\n');
    } finally {
      sync.mockRestore();
    }
  });

  test('a failed write leaves the old file intact and no temp file', async () => {
    const dir = await tempDir();
    // The target is a non-empty folder: rename over it fails on every OS.
    await mkdir(join(dir, '.env'));
    await writeFile(join(dir, '.env', 'keep'), 'x');
    await expect(writeFileAtomic(join(dir, '.env'), 'A=1\n')).rejects.toMatchObject({ code: 'ENV_WRITE_FAILED', hint: expect.any(String) });
    expect(await readdir(dir)).toEqual(['.env']);
    expect(await readFile(join(dir, '.env', 'keep'), 'utf8')).toBe('x');
  });

  test.runIf(posix && !isRoot)('an unwritable folder: ENV_WRITE_FAILED, the old file untouched', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), 'A=old\n');
    await chmod(dir, 0o500);
    try {
      await expect(writeFileAtomic(join(dir, '.env'), 'A=new\n')).rejects.toMatchObject({ code: 'ENV_WRITE_FAILED' });
      expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=old\n');
    } finally {
      await chmod(dir, 0o700);
    }
  });
});

describe('checkEnvPathWritable', () => {
  test('fine for a new file in an existing folder and for an existing file', async () => {
    const dir = await tempDir();
    await expect(checkEnvPathWritable(join(dir, '.env'))).resolves.toBeUndefined();
    await writeFile(join(dir, '.env'), '');
    await expect(checkEnvPathWritable(join(dir, '.env'))).resolves.toBeUndefined();
  });
  test.runIf(posix)('a pipe or a device is INVALID_ENV_PATH: the rename would replace it (as root, /dev/null itself)', async () => {
    const fifo = join(await tempDir(), '.env');
    execFileSync('mkfifo', [fifo]);
    for (const path of [fifo, '/dev/null']) {
      await expect(checkEnvPathWritable(path)).rejects.toMatchObject({ code: 'INVALID_ENV_PATH', message: `${path} is not a regular file.` });
    }
  });
  test('a folder, or a missing folder: INVALID_ENV_PATH with a hint', async () => {
    const dir = await tempDir();
    await expect(checkEnvPathWritable(dir)).rejects.toMatchObject({ code: 'INVALID_ENV_PATH', message: expect.stringMatching(/folder/), hint: expect.any(String) });
    await expect(checkEnvPathWritable(join(dir, 'nope', '.env'))).rejects.toMatchObject({ code: 'INVALID_ENV_PATH', message: expect.stringMatching(/does not exist/) });
  });
  test.runIf(posix && !isRoot)('a read-only file or folder: INVALID_ENV_PATH', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.env'), '');
    await chmod(join(dir, '.env'), 0o400);
    await expect(checkEnvPathWritable(join(dir, '.env'))).rejects.toMatchObject({ code: 'INVALID_ENV_PATH', message: expect.stringMatching(/not writable/) });
    await mkdir(join(dir, 'ro'));
    await chmod(join(dir, 'ro'), 0o500);
    try {
      await expect(checkEnvPathWritable(join(dir, 'ro', '.env'))).rejects.toMatchObject({ code: 'INVALID_ENV_PATH', message: expect.stringMatching(/Cannot write/) });
    } finally {
      await chmod(join(dir, 'ro'), 0o700);
    }
  });
});
