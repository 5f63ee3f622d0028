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

/**
 * SQL given as text rather than a file (an MCP tool's `sql`), held under a name that goes
 * wherever a seed file's path goes: the pre-scan, the seed, and their `name:line:col`
 * errors. Names are not absolute paths, so they never stand for a file (seed paths are
 * resolved before they get here).
 */
const SQL_TEXTS = new Map<string, string>();

/** A held SQL text; `release` forgets it once the seed is done. */
export interface HeldSqlText {
  readonly name: string;
  release(): void;
}

/**
 * Holds `text` as a seed source named `label` (`label (2)` while another call holds that name).
 *
 * @example
 * const held = holdSqlText('CREATE TABLE t (id int);');
 * try { await seedDatabase({ connectionString, files: [held.name] }); } finally { held.release(); }
 */
export function holdSqlText(text: string, label = 'sql'): HeldSqlText {
  let name = label;
  for (let n = 2; SQL_TEXTS.has(name); n++) name = `${label} (${n})`;
  SQL_TEXTS.set(name, text.replace(/^\uFEFF/, ''));
  return { name, release: () => SQL_TEXTS.delete(name) };
}

/** Each path exists, is a file and can be opened for reading. */
export async function checkSeedFiles(paths: string[]): Promise<void> {
  for (const path of paths) {
    if (SQL_TEXTS.has(path)) continue;
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
  const text = SQL_TEXTS.get(path);
  return text === undefined ? (await stat(path)).size : Buffer.byteLength(text);
}

export function isGzipPath(path: string): boolean {
  return !SQL_TEXTS.has(path) && path.toLowerCase().endsWith('.gz');
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
  const held = SQL_TEXTS.get(path);
  if (held !== undefined) return textSource(held);
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const text = readText(path, file);
  return {
    get bytesRead() {
      return file.bytesRead;
    },
    [Symbol.asyncIterator]: () => text,
  };
}

/** A held text as a source: one chunk (it is in memory already). */
function textSource(text: string): SeedSource {
  let read = 0;
  async function* chunks(): AsyncGenerator<string> {
    read = Buffer.byteLength(text);
    if (text !== '') yield text;
  }
  const iterator = chunks();
  return {
    get bytesRead() {
      return read;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
}
