/**
 * Runs the BUILT CLI (bin/get-db.cjs → dist/) as a child process, as users run it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/get-db.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Piped into the CLI's standard input instead of `input` (e.g. pg_dump's output). */
  stdin?: NodeJS.ReadableStream;
  timeoutMs?: number;
  /** The node executable to run the CLI with (default: this process's), e.g. nodeBinary(22). */
  node?: string;
  /** Another copy of get-db's bin/get-db.cjs (e.g. one installed from the packed tarball). */
  bin?: string;
}

/** A clean environment: no CI markers (or a BROWSER) leak in unless a test sets them. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined };
  delete env.DATABASE_URL;
  delete env.INSTAGRES_API_URL;
  delete env.DEBUG;
  delete env.BROWSER; // claim would run it; tests that want a browser set their own
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** Everything written to stderr so far. */
  stderr(): string;
  done: Promise<CliResult>;
}

/** Starts the CLI and hands back the child, for tests that signal it or watch it mid-run. */
export function startCli(args: string[], options: RunOptions): RunningCli {
  const child = spawn(options.node ?? process.execPath, [options.bin ?? BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`get-db ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
  if (options.stdin) options.stdin.pipe(child.stdin);
  else child.stdin.end(options.input ?? '');
  return { child, stderr: () => stderr, done };
}

export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

export async function tempProject(prefix = 'get-db-test-'): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), prefix)));
}

/**
 * `get-db -y --api-url <api>` plus `args`, in `cwd`: a create as a script runs it.
 * @example
 * const result = await createWith(api, await tempProject(), ['--json']);
 */
export function createWith(api: { apiUrl: string }, cwd: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['-y', '--api-url', api.apiUrl, ...args], { cwd, env });
}
