/**
 * Reading and writing the env file on disk. Writes are atomic (temp file beside the target,
 * fsync when it replaces a file, rename), follow a symlink to its target, and keep the file's
 * mode (0600 when new).
 */
import { constants } from 'node:fs';
import { access, open, readFile, readlink, realpath, rename, rm, stat } from './fs-calls.js';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetDbError } from '../errors.js';
import { decodeBytes, encodeBytes } from './bytes.js';

const NEW_FILE_MODE = 0o600;
// Windows: an editor, antivirus or indexer holding the file makes rename fail for a moment.
const RENAME_RETRY_CODES = new Set(['EPERM', 'EBUSY', 'EACCES']);
const RENAME_ATTEMPTS = 10;
const RENAME_RETRY_MS = 50;

/**
 * The temp file's name only has to differ from other writers' ('wx' refuses a name that is
 * taken, so a clash fails the write and never clobbers). Math.random, not node:crypto: that
 * module is ~4 ms of loading for a create against an http:// API (https loads it anyway).
 */
const tempSuffix = () => Math.random().toString(16).slice(2, 14).padEnd(12, '0');

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The file's text (a BOM included), or undefined when there is no file. Bytes that are not
 * UTF-8 are kept (see decodeBytes), so writing the text back gives the same bytes.
 *
 * @example
 * const text = (await readEnvFile('/app/.env')) ?? '';
 */
export async function readEnvFile(path: string): Promise<string | undefined> {
  // A pipe or a device (-e /dev/stdin, a FIFO) would block the read for ever, or never end.
  const info = await stat(path).catch(() => undefined);
  if (info && !info.isFile() && !info.isDirectory()) throw unreadableEnv(path, 'not a regular file');
  try {
    return decodeBytes(await readFile(path));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw unreadableEnv(path, errorCode(error) ?? 'error', error);
  }
}

function unreadableEnv(path: string, why: string, cause?: unknown): GetDbError {
  return new GetDbError('ENV_READ_FAILED', `Could not read ${path} (${why}).`, {
    hint: 'Check that it is a file you can read, or point to another one with --env <path>.',
    cause,
  });
}

/**
 * Where the bytes really go: the target of a symlink (so the link stays a link), even when
 * that target does not exist yet (a dangling link, e.g. into a secrets folder).
 *
 * @example
 * await resolveTarget('/app/.env'); // '/secrets/app.env' when .env links there
 */
export async function resolveTarget(path: string): Promise<string> {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    try {
      return await realpath(current);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
    const link = await readlink(current).catch(() => undefined);
    if (link === undefined) return current;
    current = resolve(dirname(current), link);
  }
  return current;
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * `durable`: the bytes reach the disk before the rename. That matters when the rename replaces
 * a file: after a power cut, a renamed but unwritten file can come back empty (XFS, ext4
 * without auto_da_alloc), and with it every line the user had. A new file has nothing to lose
 * but this run's lines (a re-run makes another database), and the flush cost 10–130 ms of a
 * create on a busy disk, so it is skipped there. Other processes see the old file or the new
 * one either way: that is the rename's doing, not the flush's. The folder is not flushed: a
 * rename lost in a power cut leaves the old file, whole.
 */
async function writeTemp(tempPath: string, content: string, mode: number, durable: boolean): Promise<void> {
  const handle = await open(tempPath, 'wx', mode);
  try {
    await handle.writeFile(encodeBytes(content));
    await handle.chmod(mode); // open's mode is filtered by the umask
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
}

async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (error) {
      if (attempt >= RENAME_ATTEMPTS || process.platform !== 'win32' || !RENAME_RETRY_CODES.has(errorCode(error) ?? '')) throw error;
      await sleep(RENAME_RETRY_MS * attempt);
    }
  }
}

export interface WriteOptions {
  /** Mode of a file that does not exist yet; default 0600 (env files hold secrets). */
  newFileMode?: number;
}

/**
 * Writes `content` (as readEnvFile gives text: escaped bytes go back as themselves) atomically.
 *
 * @example
 * await writeFileAtomic('/app/.env', applyEnvBlock(text, edit));
 */
export async function writeFileAtomic(path: string, content: string, options: WriteOptions = {}): Promise<void> {
  let tempPath: string | undefined;
  try {
    const target = await resolveTarget(path);
    const existing = await existingMode(target);
    tempPath = join(dirname(target), `.${basename(target)}.${tempSuffix()}.tmp`);
    await writeTemp(tempPath, content, existing ?? options.newFileMode ?? NEW_FILE_MODE, existing !== undefined);
    await renameWithRetry(tempPath, target);
  } catch (error) {
    if (tempPath !== undefined) await rm(tempPath, { force: true }).catch(() => undefined);
    throw new GetDbError('ENV_WRITE_FAILED', `Could not write ${path} (${errorCode(error) ?? 'error'}).`, {
      hint: 'Check that its folder exists and you may write there (and that no other program holds the file).',
      cause: error,
    });
  }
}

function invalidPath(message: string, hint: string, cause?: unknown): GetDbError {
  return new GetDbError('INVALID_ENV_PATH', message, { hint, cause });
}

async function isWritable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/** Before anything is created: will writeFileAtomic be able to write here? */
export async function checkEnvPathWritable(path: string): Promise<void> {
  // A link that points to itself (ELOOP) or through a file (ENOTDIR) is a bad path, not a crash.
  const target = await resolveTarget(path).catch((error: unknown) => {
    throw invalidPath(`${path} cannot be followed (${errorCode(error) ?? 'error'}).`, 'Check the symbolic links on the way to it, or choose another path with --env.', error);
  });
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) {
    throw invalidPath(`${path} is a folder, not an env file.`, 'Pass a file path, e.g. --env .env.local');
  }
  // Replacing a pipe or a device by rename would remove it (as root, /dev/null itself).
  if (info && !info.isFile()) {
    throw invalidPath(`${path} is not a regular file.`, 'Pass a file path, e.g. --env .env.local');
  }
  if (info && !(await isWritable(target))) {
    throw invalidPath(`${path} exists but is not writable.`, 'Change its permissions or choose another file with --env.');
  }
  const folder = dirname(target);
  const folderInfo = await stat(folder).catch(() => undefined);
  if (!folderInfo?.isDirectory()) {
    throw invalidPath(`The folder ${dirname(path)} does not exist.`, 'Create it first, or choose another path with --env.');
  }
  // The temp file and the rename both need the folder to be writable.
  if (!(await isWritable(folder))) {
    throw invalidPath(`Cannot write in the folder ${dirname(path)}.`, 'Change its permissions or choose another path with --env.');
  }
}
