/**
 * The promise-returning file calls the create path makes, on node:fs's callbacks. Loading
 * node:fs/promises costs ~2 ms (it brings FileHandle, readline, the watchers): a tenth of a
 * create's own time, for nothing these few calls need.
 */
import fs from 'node:fs';
import { promisify } from 'node:util';

export const access = promisify(fs.access);
export const lstat = promisify(fs.lstat);
export const readFile = promisify(fs.readFile);
export const readlink = promisify(fs.readlink);
export const realpath = promisify(fs.realpath);
export const rename = promisify(fs.rename);
export const rm = promisify(fs.rm);
export const stat = promisify(fs.stat);
export const unlink = promisify(fs.unlink);
export const utimes = promisify(fs.utimes);

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
  const fd = await promisify(fs.open)(path, flags, mode);
  return {
    writeFile: (data) => promisify(fs.writeFile)(fd, data),
    chmod: (newMode) => promisify(fs.fchmod)(fd, newMode),
    sync: () => promisify(fs.fsync)(fd),
    close: () => promisify(fs.close)(fd),
  };
}
