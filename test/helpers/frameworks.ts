/**
 * Real framework projects (fixtures/frameworks/<name>/, each with a committed lockfile) run
 * through their own CLIs, as users run them: installed with `npm ci` once (again only when
 * the lockfile changes), with get-db unpacked into node_modules the way `npm install get-db`
 * does (package.json, bin, dist: it has no runtime dependencies to install).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { cliEnv } from './cli.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(REPO, 'fixtures', 'frameworks');
const STAMP = '.get-db-fixture-lock';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Runs `work` while no other test process installs the same fixture (test files run in
 * parallel processes, and two `npm ci` in one folder break each other). The lock is a
 * folder holding its owner's pid; one whose owner died is taken over.
 */
async function oneInstallAtATime(name: string, work: () => Promise<void>): Promise<void> {
  const lock = join(REPO, 'node_modules', '.cache', 'get-db-fixture-locks', name);
  await mkdir(dirname(lock), { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''));
    if (owner > 0 && !isAlive(owner)) await rm(lock, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 250));
  }
  try {
    await writeFile(join(lock, 'pid'), String(process.pid));
    await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Installs a fixture's lockfile unless node_modules already holds exactly that install.
 * @example
 * const dir = await installedFixture('vite8'); // its node_modules/vite is Vite 8
 */
export async function installedFixture(name: string): Promise<string> {
  const dir = join(FIXTURES, name);
  const lock = createHash('sha256').update(await readFile(join(dir, 'package-lock.json'))).digest('hex');
  const stamp = join(dir, 'node_modules', STAMP);
  await oneInstallAtATime(name, async () => {
    if ((await readFile(stamp, 'utf8').catch(() => '')) === lock) return;
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // npm ci removes node_modules itself, but chokes on one a killed install left half-deleted.
    await rm(join(dir, 'node_modules'), { recursive: true, force: true });
    await run(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, shell: process.platform === 'win32', maxBuffer: 64 * 1024 * 1024 });
    await writeFile(stamp, lock);
  });
  return dir;
}

/**
 * Installs the fixtures (in parallel) and the built get-db into each.
 * @example
 * await installFixtures(['vite8', 'astro5']);
 */
export async function installFixtures(names: string[]): Promise<void> {
  // allSettled: a failed install must not leave others running into the next attempt.
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const dir = await installedFixture(name);
      const target = join(dir, 'node_modules', 'get-db');
      await rm(target, { recursive: true, force: true });
      for (const entry of ['package.json', 'bin', 'dist']) await cp(join(REPO, entry), join(target, entry), { recursive: true });
    }),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The script behind a package's command, run with the node binary the test chooses. */
export async function binOf(dir: string, pkg: string, command: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[command];
  if (!bin) throw new Error(`${pkg} has no ${command} command`);
  return join(dir, 'node_modules', pkg, bin);
}

/** What a developer's shell has: none of this test run's markers (VITEST, NODE_ENV=test). */
export function projectEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cliEnv({ ...extra, ASTRO_TELEMETRY_DISABLED: '1', NUXT_TELEMETRY_DISABLED: '1' });
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_ENV' || key === 'TEST') delete env[key];
  for (const key of ['DATABASE_URL', 'DATABASE_URL_DIRECT', 'VITE_INSTAGRES_CLAIM_URL', 'PUBLIC_INSTAGRES_CLAIM_URL', 'NUXT_PUBLIC_INSTAGRES_CLAIM_URL']) delete env[key];
  return env;
}

export interface Running {
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts a command in its own process group, so stopping it stops what it started. */
export function start(node: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const child: ChildProcess = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
  return {
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (process.platform === 'win32') await run('taskkill', ['/pid', String(child.pid), '/T', '/F']).catch(() => {});
      else {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      const timer = setTimeout(() => {
        try {
          if (process.platform !== 'win32') process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until the dev server answers this path with 200 (a framework may compile on the first request). */
export async function waitForPage(url: string, running: Running, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const exited = await Promise.race([running.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 0))]);
    if (exited) throw new Error(`the dev server exited:\n${running.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      const body = await response.text();
      if (response.status === 200) return body;
      last = `${response.status} ${body.slice(0, 300)}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} never answered 200 (${last}):\n${running.output()}`);
}

/** Removes what a previous run left: the env file and build output. */
export async function cleanProject(dir: string, extra: string[]): Promise<void> {
  for (const entry of ['.env', ...extra]) await rm(join(dir, entry), { recursive: true, force: true });
  if (existsSync(join(dir, '.env'))) throw new Error(`could not remove ${dir}/.env`);
}
