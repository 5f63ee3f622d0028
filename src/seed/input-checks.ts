/**
 * What a seed input may be, and the cheap checks the plan makes before anything else happens
 * (each path exists and can be read). Loaded only when there are seed inputs; what an input
 * is, with no I/O, is seed-input.ts.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { GetDbError } from '../errors.js';
import { displayPath } from '../report/format.js';

import { heldText, isText, STDIN, type SeedInput } from './seed-input.js';


const PATH_HINT = 'Check the path (it is relative to the current folder) and its permissions.';

/**
 * SEED_FILE_UNREADABLE for `path`, "Seed file <path> <reason>.".
 * @example
 * throw unreadable('/app/seed.sql', 'does not exist');
 */
export function unreadable(path: string, reason: string, cause?: unknown, hint = PATH_HINT): GetDbError {
  return new GetDbError('SEED_FILE_UNREADABLE', `Seed file ${displayPath(path, process.cwd())} ${reason}.`, { hint, cause, details: { file: path } });
}

/**
 * An fs error in words ("does not exist", "is not readable (permission denied)").
 * @example
 * errorReason(Object.assign(new Error('x'), { code: 'ENOENT' })) // 'does not exist'
 */
export function errorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
  return `cannot be read (${(error as Error).message})`;
}


/** A pipe or device is read once, as it streams: standard input's way. */
export const isStream = (info: { isFIFO(): boolean; isCharacterDevice(): boolean; isSocket(): boolean }): boolean =>
  info.isFIFO() || info.isCharacterDevice() || info.isSocket();

/**
 * Each path exists and can be read (a file, a folder, a pipe), and standard input is named at
 * most once; cheap, for the plan's checks before anything else happens.
 *
 * @example
 * await checkSeedInputs(['schema.sql', 'prisma/migrations', '-']);
 */
export async function checkSeedInputs(inputs: SeedInput[]): Promise<void> {
  if (inputs.filter((input) => input === STDIN).length > 1) {
    throw new GetDbError('USAGE', 'Standard input (-) can be given to --seed once.', { hint: 'Name each file once; only one stream can come through the pipe.' });
  }
  for (const input of inputs) {
    if (isText(input) || heldText(input) || input === STDIN) continue;
    try {
      const info = await stat(input);
      // Opening is the only portable readability test (access() lies on Windows ACLs).
      if (info.isDirectory()) await readdir(input);
      else if (info.isFile()) await (await open(input, 'r')).close();
      else if (!isStream(info)) throw unreadable(input, 'is not a file, a folder or a pipe');
    } catch (error) {
      if (error instanceof GetDbError) throw error;
      throw unreadable(input, errorReason(error), error);
    }
  }
}
