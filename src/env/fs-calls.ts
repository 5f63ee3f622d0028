/**
 * The file calls of the create path (env file, its lock, .gitignore, package.json), as
 * promise-returning functions done synchronously. Each is a few microseconds on a local disk,
 * while a round trip through libuv's thread pool (what node:fs/promises and the callbacks do)
 * costs more than the call, and a create makes ~30 of them in a row; on a busy machine each
 * waits for a thread. node:fs/promises itself is ~2 ms of loading (FileHandle, readline, the
 * watchers). These files are small (an env file, a lock of one line), so the event loop of a
 * dev server hosting the plugin is held for microseconds, not the time of a read that could
 * block: a pipe or a device given as the env file is refused on its stat, before any read.
 * Errors are rejections, as with node:fs/promises.
 */
import fs from 'node:fs';

type Sync<A extends unknown[], R> = (...args: A) => R;
const later =
  <A extends unknown[], R>(call: Sync<A, R>) =>
  async (...args: A): Promise<R> =>
    call(...args);

export const access = later((path: string, mode?: number) => fs.accessSync(path, mode));
export const lstat = later((path: string) => fs.lstatSync(path));
export const readlink = later((path: string) => fs.readlinkSync(path));
export const realpath = later((path: string) => fs.realpathSync.native(path));
export const rename = later((from: string, to: string) => fs.renameSync(from, to));
export const rm = later((path: string, options?: fs.RmOptions) => fs.rmSync(path, options));
export const stat = later((path: string) => fs.statSync(path));
export const unlink = later((path: string) => fs.unlinkSync(path));
export const utimes = later((path: string, atime: Date, mtime: Date) => fs.utimesSync(path, atime, mtime));

/** The bytes, or with an encoding the text. */
export function readFile(path: string): Promise<Buffer>;
export function readFile(path: string, encoding: BufferEncoding): Promise<string>;
export async function readFile(path: string, encoding?: BufferEncoding): Promise<Buffer | string> {
  return encoding === undefined ? fs.readFileSync(path) : fs.readFileSync(path, encoding);
}

/** What get-db does with an open file (node:fs/promises' FileHandle has more). */
export interface OpenFile {
  writeFile(data: string | Uint8Array): Promise<void>;
  chmod(mode: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * fs.open with the FileHandle calls get-db uses.
 * @example
 * const file = await open('/app/..env.1a2b.tmp', 'wx', 0o600);
 */
export async function open(path: string, flags: string, mode?: number): Promise<OpenFile> {
  const fd = fs.openSync(path, flags, mode);
  return {
    writeFile: later((data: string | Uint8Array) => fs.writeFileSync(fd, data)),
    chmod: later((newMode: number) => fs.fchmodSync(fd, newMode)),
    sync: later(() => fs.fsyncSync(fd)),
    close: later(() => fs.closeSync(fd)),
  };
}
