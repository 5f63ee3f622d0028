/**
 * The seed's errors, worded for the person who has to fix the file: where (file:line:col),
 * what Postgres said, and Postgres's own detail and hint.
 */
import { GetDbError } from '../errors.js';
import { displayPath as displayPathFrom } from '../report/format.js';
import type { Location, SourceStatement } from './batcher.js';
import { statementHead } from './classify.js';
import type { ServerError } from './session.js';

/** Paths under the current folder are shown relative to it: shorter, and still clickable. */
export function displayPath(file: string): string {
  return displayPathFrom(file, process.cwd());
}

function serverHint(error: ServerError): string | undefined {
  const lines = [error.detail && `Detail: ${error.detail}`, error.hint && `Hint: ${error.hint}`].filter(Boolean);
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** A statement (or COPY block) the server refused, at `location` in its file. */
export function statementFailed(error: ServerError, statement: SourceStatement, location: Location): GetDbError {
  const head = statementHead(statement.sql);
  return new GetDbError('SEED_FAILED', `${placeText({ file: statement.file, ...location })}: ${error.message}\n  ${head}`, {
    hint: serverHint(error),
    cause: error,
    details: {
      file: statement.file,
      line: location.line,
      column: location.column,
      statement: head,
      detail: error.detail,
      hint: error.hint,
      code: error.code,
    },
  });
}

/** The server refused our BEGIN or COMMIT (e.g. a deferred constraint): no one statement to blame. */
export function transactionCommandFailed(error: ServerError, command: 'BEGIN' | 'COMMIT'): GetDbError {
  const when = command === 'COMMIT' ? 'at COMMIT, after its last statement' : 'at BEGIN, before its first statement';
  return new GetDbError('SEED_FAILED', `The seed failed ${when}: ${error.message}`, {
    hint: serverHint(error),
    cause: error,
    details: { detail: error.detail, hint: error.hint, code: error.code },
  });
}

export function connectionLost(cause: unknown): GetDbError {
  return new GetDbError('SEED_FAILED', `The connection to the database was lost during the seed: ${(cause as Error).message}`, {
    hint: 'Nothing of the seed was kept if it ran in one transaction; re-run it.',
    cause,
  });
}

const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ERR_TLS/;

function connectHint(cause: unknown): string {
  const code = String((cause as { code?: unknown }).code ?? '');
  if (code === '28P01' || code === '28000') return 'Check the user name and password in the database URL.';
  if (code === '3D000') return 'Check the database name in the URL.';
  if (TLS_ERROR.test(code)) {
    return "The server's TLS certificate could not be verified. If it is signed by your own CA, point NODE_EXTRA_CA_CERTS at that CA's certificate.";
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Check the host name in the database URL.';
  if (code === 'ECONNREFUSED') return 'Is the database server running and reachable on that port?';
  return 'Check the database URL and your network connection.';
}

export function connectFailed(host: string, cause: unknown): GetDbError {
  return new GetDbError('SEED_FAILED', `Could not connect to the database at ${host}: ${(cause as Error).message}`, {
    hint: connectHint(cause),
    cause,
    details: { host, code: (cause as { code?: unknown }).code },
  });
}

/** Where in which file: the pre-scan's errors start with `file:line:col`. */
export interface FilePlace {
  file: string;
  line: number;
  column: number;
}

export function placeText(place: FilePlace): string {
  return `${displayPath(place.file)}:${place.line}:${place.column}`;
}

/** A refusal of the pre-scan: `what` at `place` cannot run here; `next`: the one thing to do. */
function refused(place: FilePlace, what: string, next: string, details: Record<string, unknown> = {}): GetDbError {
  return new GetDbError('SEED_UNSUPPORTED', `${placeText(place)}: ${what}; nothing was run.`, {
    hint: next,
    details: { file: place.file, line: place.line, column: place.column, ...details },
  });
}

/** A psql meta-command get-db does not do (or does not do in that form). */
export function metaRefused(place: FilePlace, command: string, next: string): GetDbError {
  return refused(place, `the psql meta-command ${command} cannot run in a seed`, next, { command });
}

export function connectsElsewhere(place: FilePlace, target: string, database: string): GetDbError {
  return refused(place, `\\connect ${target} switches to another database than ${database}`, 'A seed runs in the one database it was given: remove the line, or seed each database from its own dump.', { command: 'connect', target, database });
}

const NOT_ATOMIC = 'run the seed with --no-transaction (library: transaction: false), which runs the file as it is but is not atomic';

/** The file's own BEGIN/COMMIT do not fit around the seed's one transaction. */
export function transactionShape(statement: SourceStatement, problem: string, next: string): GetDbError {
  return refused(statement, `${problem} (${statementHead(statement.sql)}), and the seed runs as one transaction`, next, { statement: statementHead(statement.sql) });
}

/** Ways out of a transaction shape the seed cannot hold, one per shape. */
export const TRANSACTION_NEXT = {
  nested: 'Remove the inner BEGIN and its COMMIT (PostgreSQL has no nested transactions; SAVEPOINT is the way to undo part of one).',
  several: `Keep one BEGIN at the top and one COMMIT at the end (or none: the seed is one transaction anyway), or ${NOT_ATOMIC}.`,
  unopened: 'Remove the COMMIT, or add its BEGIN at the top of the file.',
  unclosed: 'Add COMMIT; at the end of the file (psql would roll the work back when it exits), or remove the BEGIN.',
  rollback: `Remove it: the seed rolls back by itself on any error. If the file undoes work on purpose, ${NOT_ATOMIC}.`,
  prepared: 'Remove it: a seed commits normally.',
} as const;

export function refusesTransaction(statement: SourceStatement, what: string): GetDbError {
  const next = /CONCURRENTLY/.test(what)
    ? `Remove CONCURRENTLY (a new database has no traffic for it to spare), or ${NOT_ATOMIC}.`
    : what === 'VACUUM'
      ? `Remove it (a new database needs no VACUUM; ANALYZE runs in a transaction), or ${NOT_ATOMIC}.`
      : `Remove it, or ${NOT_ATOMIC}.`;
  return refused(statement, `${what} cannot run inside a transaction, and the seed runs as one`, next, { statement: statementHead(statement.sql) });
}

/** A statement no seed can run (on another database, or on the server itself). */
export function notForASeed(statement: SourceStatement, what: string, next: string): GetDbError {
  return refused(statement, what, next, { statement: statementHead(statement.sql) });
}

/** An encoding change the file's reader could not follow (it reads one encoding per file). */
export function encodingChange(place: FilePlace, from: string, to: string): GetDbError {
  return refused(place, `the file switches client_encoding from ${from} to ${to} partway`, `get-db reads a file in the encoding its first lines declare: put the SET client_encoding line at the top, or convert the file to UTF-8 (iconv -f ${to} -t UTF-8).`, { encoding: to });
}

const NOT_UTF8_HINT = "If it was written in a Windows code page or Latin-1, say so on its first line (SET client_encoding = 'WIN1252';), or convert it to UTF-8: iconv -f WINDOWS-1252 -t UTF-8 in.sql > out.sql";

/** Bytes PostgreSQL would refuse as text (found by the pre-scan: nothing was run). */
export function unreadableText(file: string, problem: { message: string; line?: number }): GetDbError {
  const place = problem.line === undefined ? displayPath(file) : `${displayPath(file)}:${problem.line}`;
  const utf8 = /UTF-8/.test(problem.message);
  return new GetDbError('SEED_FILE_UNREADABLE', `${place}: the file ${problem.message}${problem.line === undefined ? '' : ' on this line'}; nothing was run.`, {
    hint: utf8 ? NOT_UTF8_HINT : /NUL/.test(problem.message) ? 'Remove the NUL bytes; a file full of them may be binary, or UTF-16 without its byte-order mark.' : 'Save the file as UTF-8 and seed it again.',
    details: { file, line: problem.line },
  });
}
