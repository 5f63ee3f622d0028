/**
 * The interactive questions (clack, drawn on stderr). Each returns the answer or throws
 * CANCELLED when the user presses Ctrl-C or Esc.
 */
import { confirm, intro, isCancel, text } from '@clack/prompts';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { cancelledError } from '../errors.js';
import { validateKey, validatePrefix } from '../plan/validate.js';

// The spinner too: this module is the CLI's one door to clack, which the CLI's own bundle
// loads from the library's files (tsup.config.ts) rather than carrying a second copy.
export { spinner } from '@clack/prompts';

const io = { output: process.stderr };

function answer<T>(value: T): Exclude<T, symbol> {
  if (isCancel(value)) throw cancelledError();
  return value as Exclude<T, symbol>;
}

/** Turns a validator that throws into clack's "return a message" form. */
function asClackValidator(check: (value: string) => unknown) {
  return (value: string | undefined) => {
    try {
      check(value ?? '');
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
}

export interface Answers {
  envFile: string;
  key: string;
  prefix: string;
  seedFiles: string[];
}

export interface AskOptions {
  cwd: string;
  /** Answers already given as options: not asked again. */
  given: Partial<Answers>;
  defaults: Answers;
}

async function askText(message: string, defaultValue: string, validate?: (value: string) => unknown): Promise<string> {
  const value = answer(
    await text({
      ...io,
      message,
      placeholder: defaultValue || undefined,
      defaultValue,
      validate: validate ? asClackValidator((raw) => validate(raw || defaultValue)) : undefined,
    }),
  );
  return value.trim() || defaultValue;
}

function exists(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isFile() || info.isDirectory();
  } catch {
    return false;
  }
}

async function askSeed(cwd: string): Promise<string[]> {
  const value = await askText('Seed it from an SQL file? (or a dump, or a folder of migrations; empty for none)', '', (raw) => {
    if (raw && !exists(resolve(cwd, raw))) throw new Error(`No file or folder at ${raw}`);
  });
  return value ? [value] : [];
}

export async function askCreateQuestions({ cwd, given, defaults }: AskOptions): Promise<Answers> {
  intro('get-db', io);
  const envFile = given.envFile ?? (await askText('Where should the connection string go?', defaults.envFile));
  const key = given.key ?? (await askText('Name of the connection string variable?', defaults.key, validateKey));
  const prefix = given.prefix ?? (await askText('Prefix for public variables?', defaults.prefix, validatePrefix));
  const seedFiles = given.seedFiles ?? (await askSeed(cwd));
  return { envFile, key, prefix, seedFiles };
}

export async function confirmReplace(key: string, file: string): Promise<boolean> {
  return answer(
    await confirm({
      ...io,
      message: `${key} is already set in ${file}. Replace it with a new database? (the old lines stay as comments)`,
      initialValue: false,
    }),
  );
}
