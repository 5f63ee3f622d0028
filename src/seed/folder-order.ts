/**
 * The order a folder of migrations runs in, as the tools that wrote it run them: natural path
 * order (numbers compared as numbers, folder by folder: Prisma's `migrations/<stamp>_x/
 * migration.sql`, Drizzle's `0000_x.sql`, numbered files), Flyway's versions (`V1__`,
 * `V1.1__`, then repeatable `R__` files), and down/undo migrations left out. Pure.
 */

import { displayPath } from '../report/format.js';

/** A file's path inside the folder, '/'-separated. */
export type RelativePath = string;

export interface FolderPlan {
  /** In the order they run. */
  run: RelativePath[];
  /** .sql files deliberately not run, with why (down and undo migrations). */
  left: Array<{ path: RelativePath; why: string }>;
  /** 'flyway' when its naming was recognised. */
  style: 'natural' | 'flyway';
}

const SQL_FILE = /\.sql(\.gz)?$/i;
const DOWN = /(^|[/._-])down\.sql(\.gz)?$/i;
const FLYWAY_VERSIONED = /(?:^|\/)V(\d+(?:[._]\d+)*)__[^/]*$/;
const FLYWAY_REPEATABLE = /(?:^|\/)R__[^/]*$/;
const FLYWAY_UNDO = /(?:^|\/)U\d+(?:[._]\d+)*__[^/]*$/;

/**
 * A file a folder seed runs (or leaves out by name): `.sql` or `.sql.gz`.
 * @example
 * isSqlFile('0001_init.sql.gz') // true
 */
export function isSqlFile(path: string): boolean {
  return SQL_FILE.test(path);
}

/** Digit runs compare by value (`2` < `10`, `007` = `7` then shorter first), other runs by code unit. */
function compareRuns(a: string, b: string): number {
  const runs = /(\d+|\D+)/g;
  const left = a.match(runs) ?? [];
  const right = b.match(runs) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) continue;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    if (!digits) return x < y ? -1 : 1;
    const xs = x.replace(/^0+(?=\d)/, '');
    const ys = y.replace(/^0+(?=\d)/, '');
    if (xs.length !== ys.length) return xs.length - ys.length;
    if (xs !== ys) return xs < ys ? -1 : 1;
    return x.length - y.length;
  }
  return left.length - right.length;
}

/**
 * Natural order of '/'-separated paths, folder by folder.
 *
 * @example
 * ['10_b.sql', '2_a.sql'].sort(naturalPathOrder) // ['2_a.sql', '10_b.sql']
 */
export function naturalPathOrder(a: RelativePath, b: RelativePath): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = compareRuns(left[i]!.toLowerCase(), right[i]!.toLowerCase()) || compareRuns(left[i]!, right[i]!);
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

function flywayVersion(path: RelativePath): number[] {
  return FLYWAY_VERSIONED.exec(path)![1]!.split(/[._]/).map(Number);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = (a[i] ?? 0) - (b[i] ?? 0);
    if (order !== 0) return order;
  }
  return 0;
}

function flywayPlan(paths: RelativePath[]): FolderPlan {
  const versioned = paths.filter((path) => FLYWAY_VERSIONED.test(path));
  versioned.sort((a, b) => compareVersions(flywayVersion(a), flywayVersion(b)) || naturalPathOrder(a, b));
  const repeatable = paths.filter((path) => FLYWAY_REPEATABLE.test(path)).sort(naturalPathOrder);
  const left = paths
    .filter((path) => !FLYWAY_VERSIONED.test(path) && !FLYWAY_REPEATABLE.test(path))
    .map((path) => ({ path, why: FLYWAY_UNDO.test(path) ? 'a Flyway undo migration' : 'not a Flyway V…__ or R__ migration' }));
  return { run: [...versioned, ...repeatable], left, style: 'flyway' };
}

/**
 * Which of a folder's .sql files run, in which order.
 *
 * @example
 * planFolder(['V2__b.sql', 'V1_1__a.sql', 'V1__init.sql', 'U2__b.sql']).run // ['V1__init.sql', 'V1_1__a.sql', 'V2__b.sql']
 */
export function planFolder(paths: RelativePath[]): FolderPlan {
  const sql = paths.filter(isSqlFile);
  if (sql.some((path) => FLYWAY_VERSIONED.test(path))) return flywayPlan(sql);
  const left = sql.filter((path) => DOWN.test(path)).map((path) => ({ path, why: 'a down migration' }));
  const run = sql.filter((path) => !DOWN.test(path)).sort(naturalPathOrder);
  return { run, left, style: 'natural' };
}

/**
 * A folder's order as the CLI prints it: one line per file, paths relative to the folder.
 * @example
 * folderOrderLines({ folder: 'drizzle', plan: planFolder(['0001_b.sql', '0000_a.sql']) }) // ['Seeding drizzle: 2 files in this order:', '  1. 0000_a.sql', '  2. 0001_b.sql']
 */
export function folderOrderLines(order: { folder: string; plan: FolderPlan }): string[] {
  const { folder, plan } = order;
  const lines = plan.run.map((file, index) => `  ${index + 1}. ${file}`);
  for (const { path, why } of plan.left) lines.push(`  skipped: ${path} (${why})`);
  const style = plan.style === 'flyway' ? ', by Flyway version' : '';
  const shown = folder === process.cwd() ? '.' : displayPath(folder, process.cwd());
  return [`Seeding ${shown}: ${plan.run.length} file${plan.run.length === 1 ? '' : 's'} in this order${style}:`, ...lines];
}
