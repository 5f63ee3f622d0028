/**
 * A fast pass over every file (the splitter only, no server) before anything is created:
 * a meta-command we can't honour, or a statement the seed's transaction can't hold, is
 * reported before a database exists rather than after minutes of loading data.
 */
import { cancelledError } from '../errors.js';
import { classifyStatement } from './classify.js';
import { connectsElsewhere, managesTransactions, refusesTransaction, unsupportedMeta } from './errors.js';
import { isGzipPath, openSeedSource, seedFileSize } from './sources.js';
import { splitSql, type SqlItem } from './splitter.js';

const IGNORED_META = new Set(['restrict', 'unrestrict']);
const CONNECT_META = new Set(['connect', 'c']);

function unquote(text: string): string {
  return /^(['"]).*\1$/s.test(text) ? text.slice(1, -1) : text;
}

/** The database a `\connect` argument names, or undefined for "the same one" (`-`, none). */
export function connectTarget(args: string[]): string | undefined {
  const target = args.find((arg) => !arg.startsWith('-')) ?? (args.includes('-') ? '-' : undefined);
  if (target === undefined || target === '-') return undefined;
  if (/^postgres(ql)?:\/\//.test(target)) return decodeURIComponent(new URL(target).pathname.slice(1)) || undefined;
  const conninfo = /(?:^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/.exec(target);
  if (conninfo) return unquote(conninfo[1]!).replace(/\\(.)/g, '$1');
  return target.includes('=') ? undefined : unquote(target);
}

/** A `\connect` that names a database: fine only if it is the one being seeded. */
export interface NamedConnect {
  file: string;
  line: number;
  column: number;
  target: string;
}

/**
 * Throws for a meta-command that would change what the seed does; returns a `\connect`
 * that names a database, to be checked against the seeded one's name (unknown before create).
 */
export function checkMeta(item: Extract<SqlItem, { kind: 'meta' }>, file: string): NamedConnect | undefined {
  const command = item.command.replace(/^\\/, '');
  if (IGNORED_META.has(command)) return undefined;
  if (!CONNECT_META.has(command)) throw unsupportedMeta({ file, line: item.line, column: item.column }, command);
  const target = connectTarget(item.args);
  return target === undefined ? undefined : { file, line: item.line, column: item.column, target };
}

/**
 * The one check the pre-scan leaves for later: a `\connect` naming another database than
 * `database` (the seeded one's name comes with its URL, after the create).
 *
 * @example
 * checkConnects(scan, 'neondb'); // throws SEED_UNSUPPORTED for `\connect shop`
 */
export function checkConnects(scan: SeedScan, database: string): void {
  const elsewhere = scan.connects.find((connect) => connect.target !== database);
  if (elsewhere) throw connectsElsewhere(elsewhere, elsewhere.target, database);
}

function checkStatement(item: Extract<SqlItem, { kind: 'statement' | 'copy-start' }>, file: string): void {
  const kind = classifyStatement(item.sql);
  const statement = { sql: item.sql, file, line: item.line, column: item.column };
  if (kind.transactionControl) throw managesTransactions(statement);
  if (kind.refusesTransaction) throw refusesTransaction(statement, kind.refusesTransaction);
}

export interface PrescanOptions {
  /** Statements are checked against the seed's one transaction only when there is one. */
  transaction: boolean;
  signal?: AbortSignal;
  /** Files up to this size are kept split (default KEEP_SPLIT_BYTES). */
  keepBytes?: number;
}

/**
 * Files up to this size are split once: the pre-scan keeps their items for the run (most
 * seeds are schema files of a few KB). Larger ones are read again, so memory stays flat.
 */
export const KEEP_SPLIT_BYTES = 4 * 1024 * 1024;

/** What the pre-scan found, handed on to the seed so that no file is split twice for nothing. */
export interface SeedScan {
  files: readonly string[];
  transaction: boolean;
  /** The items of the files small enough to keep, by path; the others are read again. */
  kept: Map<string, SqlItem[]>;
  connects: NamedConnect[];
}

/**
 * Checks every file (throws SEED_UNSUPPORTED, SEED_FILE_UNREADABLE, or SEED_FAILED for an
 * unterminated quote); needs no server, so it runs before anything is created.
 *
 * @example
 * const scan = await prescanSeedFiles(['/app/schema.sql'], { transaction: true });
 */
export async function prescanSeedFiles(files: string[], options: PrescanOptions): Promise<SeedScan> {
  const scan: SeedScan = { files: [...files], transaction: options.transaction, kept: new Map(), connects: [] };
  for (const file of files) {
    const keep = !isGzipPath(file) && (await seedFileSize(file)) <= (options.keepBytes ?? KEEP_SPLIT_BYTES) ? ([] as SqlItem[]) : undefined;
    for await (const item of splitSql(openSeedSource(file), { fileName: file })) {
      if (options.signal?.aborted) throw cancelledError(options.signal.reason);
      if (item.kind === 'meta') {
        const connect = checkMeta(item, file);
        if (connect) scan.connects.push(connect);
      } else if (options.transaction && item.kind === 'statement') checkStatement(item, file);
      keep?.push(item);
    }
    if (keep) scan.kept.set(file, keep);
  }
  return scan;
}

/** A scan made for these files and this mode (a caller may have changed either since). */
export function scanFits(scan: SeedScan, files: readonly string[], transaction: boolean): boolean {
  return scan.transaction === transaction && scan.files.length === files.length && scan.files.every((file, index) => file === files[index]);
}
