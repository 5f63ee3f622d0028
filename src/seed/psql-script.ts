/**
 * A seed file read as psql reads a script (`psql -f`): the splitter's statements and COPY
 * blocks, with psql's meta-commands done as psql does them where that means something here —
 * `\set`/`\unset` and `:name` interpolation, `\i`/`\ir` includes, `\encoding`, `\q` — the
 * harmless ones (output formatting, `\echo`) passed over, `\connect` handed on, and the rest
 * refused. Shared by the pre-scan and the seed, so what runs is what was checked.
 */
import { dirname, resolve } from 'node:path';
import { GetDbError } from '../errors.js';
import { clientEncodingOf } from './encodings.js';
import { metaRefused, type FilePlace } from './errors.js';
import { interpolate, type Variables } from './psql-variables.js';
import { openSeedSource, type SeedSource } from './sources.js';
import { splitSql, type SqlItem } from './splitter.js';
import { stat } from 'node:fs/promises';
import { errorReason } from './input-checks.js';

type Placed = FilePlace;

export type ScriptItem =
  | ({ kind: 'statement'; sql: string } & Placed)
  | ({ kind: 'copy-start'; sql: string } & Placed)
  | { kind: 'copy-data'; data: Buffer }
  | { kind: 'copy-end' }
  /** `\connect` (or `\c`) naming a database; one that does not name one is passed over. */
  | ({ kind: 'connect'; target: string } & Placed)
  /** `SET client_encoding` / `SET NAMES` / `\encoding`: how the text is encoded, for the checks; never sent. */
  | ({ kind: 'encoding'; encoding: string; source: SeedSource } & Placed);

/** What a script run shares with the files it includes. */
export interface ScriptContext {
  variables: Variables;
  /** Absolute paths of the files being read, outermost first. */
  stack: string[];
  /** Set by `\q`: psql stops reading. */
  quit: boolean;
  /** The key of pg_dump's `\restrict`: until `\unrestrict`, psql runs no other meta-command. */
  restricted: string | undefined;
}

/**
 * A fresh context: each seed file starts with no variables, as if run by its own `psql -f`.
 * @example
 * scriptItems(source, path, newScriptContext())
 */
export function newScriptContext(): ScriptContext {
  return { variables: new Map(), stack: [], quit: false, restricted: undefined };
}

/** Meta-commands that change nothing here: psql's output settings and messages to the terminal. */
const HARMLESS = new Set(['echo', 'qecho', 'warn', 'timing', 'pset', 'a', 't', 'x', 'H', 'C', 'f', 'T', 'conninfo']);
const MAX_INCLUDE_DEPTH = 16;
const OFF = /^(off|false|no|0)$/i;

const CONDITIONAL = 'get-db runs a file from top to bottom: remove the \\if … \\endif lines (and the branch that should not run).';

/** The one next step for a meta-command that cannot run here (default: remove it, or use psql). */
const NEXT_STEP: Record<string, string> = {
  gexec: "get-db does not run a query's results as statements: write them out first (psql -Atc \"<the query>\" > generated.sql) and seed that file.",
  gset: 'get-db keeps no query results in variables: put the values in the file, or set them with \\set.',
  if: CONDITIONAL, elif: CONDITIONAL, else: CONDITIONAL, endif: CONDITIONAL,
  copy: '\\copy reads a file on this computer: put the data in the file as COPY … FROM stdin; followed by the rows and a \\. line (what pg_dump writes), or load it with psql.',
  '!': 'get-db runs no shell commands from a seed file: run the command yourself before seeding.',
  g: "Remove the line: the statement's ; already sent it (psql would run it again).",
};

function place(item: { line: number; column: number }, file: string): Placed {
  return { file, line: item.line, column: item.column };
}

/** The SET of psql's special variables that would change what a seed means: refused. */
function checkSpecialVariable(name: string, value: string, at: Placed): void {
  if (name === 'ON_ERROR_STOP' && OFF.test(value)) throw metaRefused(at, `\\set ON_ERROR_STOP ${value}`, 'get-db always stops at the first error (and rolls the seed back): remove the line, or make the file run without errors.');
  if (name === 'AUTOCOMMIT' && OFF.test(value)) throw metaRefused(at, '\\set AUTOCOMMIT off', 'The seed already runs as one transaction (or statement by statement with --no-transaction): remove the line.');
  if (name === 'ON_ERROR_ROLLBACK' && !OFF.test(value)) throw metaRefused(at, `\\set ON_ERROR_ROLLBACK ${value}`, 'get-db stops at the first error instead of skipping the failed statement: remove the line, or make the file run without errors.');
}

/** The text of a meta-command's arguments with variables interpolated; backquotes (shell commands) refused. */
function argumentsOf(args: string[], raw: SqlItem & { kind: 'meta' }, at: Placed, context: ScriptContext): string[] {
  if (args.some((arg) => arg.includes('`'))) throw metaRefused(at, `\\${raw.command} with \`…\``, NEXT_STEP['!']!);
  return args.map((arg) => interpolate(arg, context.variables, false));
}

async function openInclude(target: string, from: Placed, relativeTo: string, context: ScriptContext): Promise<SeedSource> {
  const path = resolve(relativeTo, target);
  if (context.stack.includes(path)) throw metaRefused(from, `\\i ${target}`, 'The file includes itself (directly or through another file): remove the loop.');
  if (context.stack.length >= MAX_INCLUDE_DEPTH) throw metaRefused(from, `\\i ${target}`, `Includes nest deeper than ${MAX_INCLUDE_DEPTH} files: flatten them.`);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    return await openSeedSource({ kind: 'file', path, name: path, size: info.size });
  } catch (error) {
    if (error instanceof GetDbError) throw error;
    throw new GetDbError('SEED_FILE_UNREADABLE', `${from.file}:${from.line}:${from.column}: \\i ${target}: ${path} ${errorReason(error)}; nothing was run.`, {
      hint: '\\i paths are relative to the current folder, \\ir paths to the including file (as in psql).',
      cause: error,
      details: { ...from, include: path },
    });
  }
}

/**
 * The items of one script (and of the files it includes), meta-commands done. `path`: the
 * file's own absolute path (undefined for standard input or text): `\ir` is relative to it.
 *
 * @example
 * for await (const item of scriptItems(await openSeedSource(unit), unit.path, newScriptContext())) …
 */
export async function* scriptItems(source: SeedSource, path: string | undefined, context: ScriptContext): AsyncGenerator<ScriptItem> {
  const file = source.name;
  if (path !== undefined) context.stack.push(resolve(path));
  try {
    for await (const item of splitSql(source, { fileName: file })) {
      if (item.kind === 'copy-data' || item.kind === 'copy-end') {
        yield item.kind === 'copy-data' ? item : { kind: 'copy-end' };
        continue;
      }
      const at = place(item, file);
      if (item.kind !== 'meta') {
        const sql = interpolate(item.sql, context.variables);
        const encoding = item.kind === 'statement' ? clientEncodingOf(sql) : undefined;
        yield encoding !== undefined ? { kind: 'encoding', encoding, source, ...at } : { kind: item.kind, sql, ...at };
        continue;
      }
      yield* metaCommand(item, at, source, path, context);
      if (context.quit) return;
    }
  } finally {
    if (path !== undefined) context.stack.pop();
  }
}

async function* metaCommand(item: SqlItem & { kind: 'meta' }, at: Placed, source: SeedSource, path: string | undefined, context: ScriptContext): AsyncGenerator<ScriptItem> {
  const command = item.command;
  if (item.inStatement) {
    // `SELECT …\n\g` is psql's `;`: the statement went out already.
    if ((command === 'g' || command === 'gx') && item.args.length === 0) return;
    const next = command === 'g' || command === 'gx' ? 'get-db keeps no query output: end the statement with ; instead.' : NEXT_STEP[command];
    throw metaRefused(at, `\\${command}`, next ?? 'psql runs a meta-command inside a statement, which get-db does not: end the statement with ; before it, or remove the line.');
  }
  if (context.restricted !== undefined) {
    // pg_dump (15.14+, 17.6+) fences its script so that text in the data cannot run a meta-command.
    if (command === 'unrestrict' && item.args[0] === context.restricted) context.restricted = undefined;
    else throw metaRefused(at, `\\${command}`, 'psql runs no meta-command between \\restrict and \\unrestrict (pg_dump writes them so that a dump cannot run commands): the file was changed after pg_dump wrote it; check where this line came from.');
    return;
  }
  const args = argumentsOf(item.args, item, at, context);
  switch (command) {
    case 'restrict':
      context.restricted = args[0] ?? '';
      return;
    case 'unrestrict':
      return;
    case 'set': {
      if (args.length === 0) return;
      const [name, ...value] = args;
      checkSpecialVariable(name!, value.join(''), at);
      context.variables.set(name!, value.join(''));
      return;
    }
    case 'unset':
      for (const name of args) context.variables.delete(name);
      return;
    case 'i': case 'include': case 'ir': case 'include_relative': {
      if (args.length === 0) throw metaRefused(at, `\\${command}`, 'Name the file to include.');
      const relativeTo = command.startsWith('ir') || command === 'include_relative' ? (path ? dirname(path) : process.cwd()) : process.cwd();
      const included = await openInclude(args[0]!, at, relativeTo, context);
      yield* scriptItems(included, resolve(relativeTo, args[0]!), context);
      return;
    }
    case 'encoding':
      if (args.length > 0) yield { kind: 'encoding', encoding: args[0]!, source, ...at };
      return;
    case 'connect': case 'c': {
      const target = connectTarget(args);
      if (target !== undefined) yield { kind: 'connect', target, ...at };
      return;
    }
    case 'q': case 'quit':
      context.quit = true;
      return;
    default:
      if (HARMLESS.has(command)) return;
      throw metaRefused(at, `\\${command}`, NEXT_STEP[command] ?? 'Remove the line, or run the file with psql.');
  }
}

function unquote(text: string): string {
  return /^(['"]).*\1$/s.test(text) ? text.slice(1, -1) : text;
}

/**
 * The database a `\connect` argument names, or undefined for "the same one" (`-`, none).
 * @example
 * connectTarget(['-reuse-previous=on', "dbname='shop'"]) // 'shop'
 */
export function connectTarget(args: string[]): string | undefined {
  const target = args.find((arg) => !arg.startsWith('-')) ?? (args.includes('-') ? '-' : undefined);
  if (target === undefined || target === '-') return undefined;
  if (/^postgres(ql)?:\/\//.test(target)) return decodeURIComponent(new URL(target).pathname.slice(1)) || undefined;
  const conninfo = /(?:^|\s)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/.exec(target);
  if (conninfo) return unquote(conninfo[1]!).replace(/\\(.)/g, '$1');
  return target.includes('=') ? undefined : unquote(target);
}

