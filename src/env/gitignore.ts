/**
 * Keeping the env file out of git: inside a work tree, an env file git does not ignore is
 * added to the .gitignore at the top of the tree as an anchored path. Git itself decides what
 * is ignored (nested .gitignore files, global excludes); without git nothing happens.
 */
import { lstat, realpath } from './fs-calls.js';
import { basename, dirname, join, relative, sep } from 'node:path';
import { detectEol } from './env-lines.js';
import { readEnvFile, writeFileAtomic } from './env-file.js';

// A .gitignore is shared project configuration, not a secret.
const GITIGNORE_MODE = 0o644;

/**
 * node:child_process (with net and dgram under it, ~1 ms to load) only where git is asked:
 * outside a repository a create never loads it.
 */
function run(command: string, args: string[], options: { cwd: string; windowsHide: boolean }): Promise<{ stdout: string }> {
  const { execFile } = process.getBuiltinModule('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(command, args, options, (error, stdout) => (error ? reject(error) : resolve({ stdout })));
  });
}

export interface GitIgnoreResult {
  added: boolean;
  gitignorePath?: string;
}

/** Exit status and output; a missing git reads as a failing command, never as an exception. */
async function git(cwd: string, args: string[]): Promise<{ status: number; stdout: string }> {
  try {
    const { stdout } = await run('git', args, { cwd, windowsHide: true });
    return { status: 0, stdout };
  } catch (error) {
    const status = (error as { code?: unknown }).code;
    return { status: typeof status === 'number' ? status : -1, stdout: '' };
  }
}

/** `/apps/web/.env.local`: anchored at the top of the tree, forward slashes on every OS. */
export function anchoredPattern(topLevel: string, file: string): string {
  return '/' + relative(topLevel, file).split(sep).join('/');
}

/** Appends one line, keeping every existing byte and the file's line-break style. */
export function appendIgnoreLine(text: string, line: string): string {
  const eol = detectEol(text);
  const separator = text === '' || /[\r\n]$/.test(text) ? '' : eol;
  return text + separator + line + eol;
}

/** Where the line goes: the work tree's top level, and the env file's real path. */
export interface IgnoreTarget {
  topLevel: string;
  file: string;
}

/**
 * Whether git could find a repository from `folder`: a `.git` (a folder, or the file of a
 * linked work tree or submodule) here or above, or GIT_DIR naming one. Asking git costs a
 * process (~5 ms of every create); where nothing is named .git, git cannot answer yes.
 * @example
 * await mayBeInRepository('/tmp/scratch', {}); // false: no .git in /tmp/scratch, /tmp or /
 */
export async function mayBeInRepository(folder: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.GIT_DIR) return true;
  for (let dir = folder; ; dir = dirname(dir)) {
    if (await lstat(join(dir, '.git')).then(() => true, () => false)) return true;
    if (dirname(dir) === dir) return false;
  }
}

/**
 * Asks git (read-only) whether the env file needs a .gitignore line: the target when it is
 * inside a work tree and not ignored; undefined otherwise (no git, ignored, git failing).
 * Never throws, so a caller may start it early and await it later.
 * @example
 * const target = await gitIgnoreTarget('/work/app/.env'); // { topLevel: '/work/app', file: '/work/app/.env' }
 */
export async function gitIgnoreTarget(envPath: string): Promise<IgnoreTarget | undefined> {
  // realpath: git prints the real top level, so compare like with like (macOS /var → /private/var).
  const folder = await realpath(dirname(envPath)).catch(() => undefined);
  if (folder === undefined || !(await mayBeInRepository(folder))) return undefined;
  const top = await git(folder, ['rev-parse', '--show-toplevel']);
  if (top.status !== 0) return undefined;
  const file = join(folder, basename(envPath));
  // Exit 1 means "not ignored"; 0 is ignored and anything else is git failing: leave it be.
  // --no-index: ask about the patterns even when the file is already tracked.
  const ignored = await git(folder, ['check-ignore', '-q', '--no-index', '--', file]);
  if (ignored.status !== 1) return undefined;
  const topLevel = await realpath(top.stdout.trim()).catch(() => undefined);
  return topLevel === undefined ? undefined : { topLevel, file };
}

/**
 * Appends the anchored line to the top level's .gitignore (read just before writing); returns its path.
 * @example
 * await addGitIgnoreLine({ topLevel: '/work/app', file: '/work/app/.env' }); // '/work/app/.gitignore' now ends with '/.env'
 */
export async function addGitIgnoreLine({ topLevel, file }: IgnoreTarget): Promise<string> {
  const gitignorePath = join(topLevel, '.gitignore');
  const current = (await readEnvFile(gitignorePath)) ?? '';
  await writeFileAtomic(gitignorePath, appendIgnoreLine(current, anchoredPattern(topLevel, file)), { newFileMode: GITIGNORE_MODE });
  return gitignorePath;
}

/**
 * Both steps at once.
 * @example
 * await ensureGitIgnored('/work/app/.env'); // { added: true, gitignorePath: '/work/app/.gitignore' }
 */
export async function ensureGitIgnored(envPath: string): Promise<GitIgnoreResult> {
  const target = await gitIgnoreTarget(envPath);
  return target ? { added: true, gitignorePath: await addGitIgnoreLine(target) } : { added: false };
}
