/**
 * A fast pass over every file (the splitter only, no server) before connecting: a
 * meta-command we can't honour, or a statement the seed's transaction can't hold,
 * is reported before anything runs rather than after minutes of loading data.
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

/** Throws for a meta-command that would change what the seed does. */
export function checkMeta(item: Extract<SqlItem, { kind: 'meta' }>, file: string, database: string): void {
  const command = item.command.replace(/^\\/, '');
  if (IGNORED_META.has(command)) return;
  if (!CONNECT_META.has(command)) throw unsupportedMeta(file, item.line, command);
  const target = connectTarget(item.args);
  if (target !== undefined && target !== database) throw connectsElsewhere(file, item.line, target, database);
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
  database: string;
  signal?: AbortSignal;
  /** Files up to this size are kept split (default KEEP_SPLIT_BYTES). */
  keepBytes?: number;
}

/**
 * Files up to this size are split once: the pre-scan keeps their items for the run (most
 * seeds are schema files of a few KB). Larger ones are read again, so memory stays flat.
 */
export const KEEP_SPLIT_BYTES = 4 * 1024 * 1024;

/** Checks every file; returns the items of the small ones, by path. */
export async function prescanSeedFiles(files: string[], options: PrescanOptions): Promise<Map<string, SqlItem[]>> {
  const kept = new Map<string, SqlItem[]>();
  for (const file of files) {
    const keep = !isGzipPath(file) && (await seedFileSize(file)) <= (options.keepBytes ?? KEEP_SPLIT_BYTES) ? ([] as SqlItem[]) : undefined;
    for await (const item of splitSql(openSeedSource(file), { fileName: file })) {
      if (options.signal?.aborted) throw cancelledError(options.signal.reason);
      if (item.kind === 'meta') checkMeta(item, file, options.database);
      else if (options.transaction && item.kind === 'statement') checkStatement(item, file);
      keep?.push(item);
    }
    if (keep) kept.set(file, keep);
  }
  return kept;
}
