/**
 * Seed files on disk: checked before anything is created, then read as a stream of
 * text (gunzipped for `.gz`) so memory stays flat whatever the file's size.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { GetDbError } from '../errors.js';

// Under V8's 128 KiB large-object size: bigger chunks decode into strings that are
// mmap'd and unmapped one by one, which cost a 150 MB dump ~40% more CPU (mostly sys).
const READ_CHUNK_BYTES = 64 * 1024;

const PATH_HINT = 'Check the path (it is relative to the current folder) and its permissions.';
// The file is there and readable: its bytes are the problem, not where it is.
const GZIP_HINT = 'A .gz seed must be gzip-compressed SQL (gzip schema.sql); plain SQL goes in a file without .gz.';

function unreadable(path: string, reason: string, cause?: unknown, hint = PATH_HINT): GetDbError {
  return new GetDbError('SEED_FILE_UNREADABLE', `Seed file ${path} ${reason}.`, { hint, cause, details: { file: path } });
}

function errorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return `cannot be read (${(error as Error).message})`;
}

/** Each path exists, is a file and can be opened for reading. */
export async function checkSeedFiles(paths: string[]): Promise<void> {
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (!info.isFile()) throw unreadable(path, 'is not a regular file');
      // Opening is the only portable readability test (access() lies on Windows ACLs).
      await (await open(path, 'r')).close();
    } catch (error) {
      if (error instanceof GetDbError) throw error;
      throw unreadable(path, errorReason(error), error);
    }
  }
}

export async function seedFileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

export function isGzipPath(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** The text of a seed file, chunk by chunk; `bytesRead` counts bytes of the file on disk. */
export interface SeedSource extends AsyncIterable<string> {
  readonly bytesRead: number;
}

function textStream(path: string, file: Readable): Readable {
  // zlib loads for a .gz file only: every create checks its seed files through this module.
  const text = isGzipPath(path) ? pipeline(file, process.getBuiltinModule('node:zlib').createGunzip(), () => {}) : file;
  // A decoder, not chunk.toString(): a multi-byte character may straddle two chunks.
  text.setEncoding('utf8');
  return text;
}

async function* readText(path: string, file: Readable): AsyncGenerator<string> {
  let first = true;
  try {
    for await (const chunk of textStream(path, file)) {
      const text = first ? (chunk as string).replace(/^\uFEFF/, '') : (chunk as string);
      first = false;
      if (text !== '') yield text;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw unreadable(path, 'is not valid gzip data', error, GZIP_HINT);
    throw unreadable(path, errorReason(error), error);
  } finally {
    file.destroy();
  }
}

export function openSeedSource(path: string): SeedSource {
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const text = readText(path, file);
  return {
    get bytesRead() {
      return file.bytesRead;
    },
    [Symbol.asyncIterator]: () => text,
  };
}
