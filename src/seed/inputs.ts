/**
 * What the user named as seed → the units that run, in order: files as they are, folders as
 * their migrations (./folder-order.ts), a pg_dump directory dump as one archive, and standard
 * input (`-`) or a pipe (`/dev/stdin`, `<(…)`) copied once into a private temporary file while
 * it streams in, so that it can be checked before anything is created and then read again,
 * in constant memory. Text given in memory (the MCP server's) is a unit of its own.
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetDbError } from '../errors.js';
import { displayPath } from './errors.js';
import { planFolder, type FolderPlan } from './folder-order.js';
import { errorReason, isStream, unreadable } from './input-checks.js';
import { heldText, isText, STDIN, type SeedInput, type SeedText } from './seed-input.js';

export { STDIN, type SeedInput, type SeedText } from './seed-input.js';

export type SeedUnit =
  /** `name`: what messages call it (the path, or `<stdin>` for its copy). */
  | { kind: 'file'; path: string; name: string; size: number }
  | { kind: 'dump-folder'; path: string; name: string; size: number }
  | { kind: 'text'; name: string; text: string; size: number };

/** A folder the user named, and the order its files run in (printed before the seed). */
export interface FolderOrder {
  folder: string;
  plan: FolderPlan;
}

export interface ResolvedInputs {
  units: SeedUnit[];
  folders: FolderOrder[];
  /** Removes the copy of standard input, if one was made. */
  dispose(): Promise<void>;
}


/** Every file under `folder` (dot-folders and node_modules left out), '/'-separated, relative to it. */
async function filesUnder(folder: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && entry.name !== 'node_modules') found.push(...(await filesUnder(folder, path)));
    } else if (entry.isFile() || entry.isSymbolicLink()) found.push(path);
  }
  return found;
}

async function folderUnits(folder: string): Promise<{ units: SeedUnit[]; order?: FolderOrder }> {
  const files = await filesUnder(folder);
  if (files.includes('toc.dat')) {
    const sizes = await Promise.all(files.map(async (file) => (await stat(join(folder, file))).size));
    return { units: [{ kind: 'dump-folder', path: folder, name: folder, size: sizes.reduce((a, b) => a + b, 0) }] };
  }
  const plan = planFolder(files);
  if (plan.run.length === 0) {
    throw new GetDbError('SEED_FILE_UNREADABLE', `Seed folder ${displayPath(folder)} has no .sql files to run.`, {
      hint: 'Name the files to run, or a folder of .sql (or .sql.gz) migrations. For Django, write the SQL first: python manage.py sqlmigrate <app> <migration> > 0001.sql',
      details: { file: folder },
    });
  }
  const units: SeedUnit[] = [];
  for (const file of plan.run) {
    const path = join(folder, file.split('/').join(sep));
    units.push({ kind: 'file', path, name: path, size: (await stat(path)).size });
  }
  return { units, order: { folder, plan } };
}

/** Copies a stream into a private temporary file (0600 in a 0700 folder). */
async function spool(source: NodeJS.ReadableStream, signal?: AbortSignal): Promise<{ path: string; size: number; folder: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'get-db-seed-'));
  const path = join(folder, 'stdin');
  await pipeline(source, createWriteStream(path, { mode: 0o600 }), { signal });
  return { path, size: (await stat(path)).size, folder };
}

/** Temporary copies still on disk: removed when the process exits, whatever happens. */
const spooled = new Set<string>();
let exitHook = false;
function track(folder: string): void {
  spooled.add(folder);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const path of spooled) rmSync(path, { recursive: true, force: true });
  });
}

export interface ResolveOptions {
  /** What `-` reads (default: process.stdin). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  signal?: AbortSignal;
}

async function streamUnit(input: string, options: ResolveOptions, cleanups: string[]): Promise<SeedUnit> {
  const stdin = options.stdin ?? process.stdin;
  if (input === STDIN && stdin.isTTY) {
    throw new GetDbError('USAGE', '--seed - reads standard input, which is a terminal here.', { hint: 'Pipe the SQL in, e.g. pg_dump mydb | npx get-db --seed -' });
  }
  const copy = await spool(input === STDIN ? stdin : createReadStream(input), options.signal);
  cleanups.push(copy.folder);
  track(copy.folder);
  return { kind: 'file', path: copy.path, name: input === STDIN ? '<stdin>' : input, size: copy.size };
}

/**
 * The units to seed, in order. Standard input and pipes are copied here (this waits for them to
 * end); `dispose` removes the copies.
 *
 * @example
 * const { units, folders, dispose } = await resolveSeedInputs(['prisma/migrations']);
 */
export async function resolveSeedInputs(inputs: SeedInput[], options: ResolveOptions = {}): Promise<ResolvedInputs> {
  const units: SeedUnit[] = [];
  const folders: FolderOrder[] = [];
  const cleanups: string[] = [];
  const dispose = async () => {
    for (const folder of cleanups.splice(0)) {
      spooled.delete(folder);
      await rm(folder, { recursive: true, force: true });
    }
  };
  let current = '';
  try {
    for (const input of inputs) {
      const text = heldText(input);
      if (text || isText(input)) {
        const { name, text: sql } = text ?? (input as SeedText);
        units.push({ kind: 'text', name, text: sql, size: Buffer.byteLength(sql) });
        continue;
      }
      current = input;
      const info = input === STDIN ? undefined : await stat(input);
      if (info === undefined || isStream(info)) units.push(await streamUnit(input, options, cleanups));
      else if (info.isDirectory()) {
        const folder = await folderUnits(input);
        units.push(...folder.units);
        if (folder.order) folders.push(folder.order);
      } else units.push({ kind: 'file', path: input, name: input, size: info.size });
    }
  } catch (error) {
    await dispose();
    if (error instanceof GetDbError || (error as Error).name === 'AbortError') throw error;
    throw unreadable(current, errorReason(error), error);
  }
  return { units, folders, dispose };
}
