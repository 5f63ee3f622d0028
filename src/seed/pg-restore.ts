/**
 * pg_dump archives (custom, tar and directory formats) become SQL through the pg_restore on
 * PATH (`pg_restore -f -`: no database connection of its own), streamed into the same seed
 * path as a plain script. With no pg_restore, the refusal says exactly what works instead.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { GetDbError } from '../errors.js';
import { shellArg } from '../report/format.js';
import { displayPath } from './errors.js';

/** What pg_restore reads: a path (file or directory dump), or a stream (an archive inside gzip, stdin's copy). */
export interface ArchiveInput {
  /** The archive as the user named it, for messages. */
  name: string;
  path?: string;
  stream?: () => AsyncIterable<Buffer>;
  format: 'custom' | 'tar' | 'directory';
}

const FORMAT_NAMES = { custom: 'a pg_dump custom-format archive (-Fc)', tar: 'a pg_dump tar archive (-Ft)', directory: 'a pg_dump directory dump (-Fd)' };

/** The command to run where the PostgreSQL client tools are installed, then seed its output. */
function convertCommand(input: ArchiveInput): string {
  const source = displayPath(input.name);
  const script = `${source.replace(/(\.(dump|backup|tar|pgdump|gz))+$/i, '').replace(/[\\/]+$/, '')}.sql`;
  const from = input.path ? shellArg(source) : `- < ${shellArg(source)}`;
  return `pg_restore -f ${shellArg(script)} ${from}, then: npx get-db --seed ${shellArg(script)}`;
}

function noPgRestore(input: ArchiveInput, cause: unknown): GetDbError {
  return new GetDbError('SEED_FILE_UNREADABLE', `${displayPath(input.name)} is ${FORMAT_NAMES[input.format]}, which needs pg_restore, and there is no pg_restore on PATH.`, {
    hint: `Install the PostgreSQL client tools (Debian/Ubuntu: sudo apt-get install postgresql-client; macOS: brew install libpq, then add its bin folder to PATH), or where they are installed run: ${convertCommand(input)}`,
    cause,
    details: { file: input.name, format: input.format },
  });
}

function restoreFailed(input: ArchiveInput, stderr: string, code: number | null): GetDbError {
  const said = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' ') || `exit code ${code}`;
  const newer = /unsupported version|too new|unrecognized.*(version|format)/i.test(said);
  return new GetDbError('SEED_FILE_UNREADABLE', `pg_restore could not read ${displayPath(input.name)}: ${said}`, {
    hint: newer
      ? `The archive was made by a newer pg_dump than this pg_restore: install the client tools of that PostgreSQL version (or newer), or where they are installed run: ${convertCommand(input)}`
      : `Check that it is a whole pg_dump archive (pg_restore -l ${shellArg(displayPath(input.name))} lists what it holds).`,
    details: { file: input.name, format: input.format, pgRestore: said },
  });
}

export interface RestoreOptions {
  /** Definitions only, no table data: what the pre-scan needs to check, at a fraction of the work. */
  schemaOnly?: boolean;
}

/**
 * The SQL script pg_restore makes of an archive, as chunks. Throws SEED_FILE_UNREADABLE when
 * pg_restore is missing or fails; stopping early ends pg_restore.
 *
 * @example
 * for await (const chunk of restoreScript({ name: 'db.dump', path: '/app/db.dump', format: 'custom' })) …
 */
export async function* restoreScript(input: ArchiveInput, options: RestoreOptions = {}): AsyncGenerator<Buffer> {
  const args = ['-f', '-', ...(options.schemaOnly ? ['--schema-only'] : []), ...(input.path ? [input.path] : [])];
  // No shell: the path is one argument, whatever it contains.
  const child = spawn('pg_restore', args, { stdio: [input.path ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  exited.catch(() => {});
  try {
    await started;
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? noPgRestore(input, error) : restoreFailed(input, String(error), null);
  }
  const feeding = input.stream ? feed(input.stream(), child.stdin!) : Promise.resolve();
  feeding.catch(() => {});
  let finished = false;
  try {
    for await (const chunk of child.stdout as Readable) yield chunk as Buffer;
    const code = await exited;
    await feeding.catch((error: unknown) => {
      throw error instanceof GetDbError ? error : restoreFailed(input, String((error as Error).message), code);
    });
    if (code !== 0) throw restoreFailed(input, stderr, code);
    finished = true;
  } finally {
    if (!finished) child.kill();
  }
}

/** Copies the archive's bytes into pg_restore's stdin; pg_restore stopping early is its own error. */
async function feed(chunks: AsyncIterable<Buffer>, stdin: NodeJS.WritableStream): Promise<void> {
  stdin.on('error', () => {}); // EPIPE when pg_restore stops reading: its exit code says why
  const closed = new Promise((resolve) => stdin.once('close', resolve));
  try {
    for await (const chunk of chunks) {
      if (!stdin.write(chunk)) await Promise.race([new Promise((resolve) => stdin.once('drain', resolve)), closed]);
      if ((stdin as unknown as { destroyed: boolean }).destroyed) return;
    }
  } finally {
    stdin.end();
  }
}
