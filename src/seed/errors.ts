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

const NO_TRANSACTION_HINT = 'Re-run with --no-transaction (library: transaction: false); the seed is then not atomic: a failure leaves the statements before it applied.';

/** Where in which file: the pre-scan's errors start with `file:line:col`. */
export interface FilePlace {
  file: string;
  line: number;
  column: number;
}

function placeText(place: FilePlace): string {
  return `${displayPath(place.file)}:${place.line}:${place.column}`;
}

export function unsupportedMeta(place: FilePlace, command: string): GetDbError {
  return new GetDbError('SEED_UNSUPPORTED', `${placeText(place)}: the psql meta-command \\${command} is not supported; nothing was run.`, {
    hint: 'Seed files may hold SQL, COPY … FROM stdin blocks and the \\connect (same database) and \\restrict lines pg_dump writes. Remove the line, or run the file with psql.',
    details: { file: place.file, line: place.line, column: place.column, command },
  });
}

export function connectsElsewhere(place: FilePlace, target: string, database: string): GetDbError {
  return new GetDbError('SEED_UNSUPPORTED', `${placeText(place)}: \\connect ${target} switches to another database than ${database}; nothing was run.`, {
    hint: 'A seed runs in the one database it was given. Remove the line (pg_dump writes it with --create; dump without it).',
    details: { file: place.file, line: place.line, column: place.column, command: 'connect', target, database },
  });
}

export function managesTransactions(statement: SourceStatement): GetDbError {
  return new GetDbError('SEED_UNSUPPORTED', `${placeText(statement)}: the file manages its own transactions (${statementHead(statement.sql)}), but the seed runs as one transaction; nothing was run.`, {
    hint: `Remove its BEGIN/COMMIT lines to keep the seed atomic, or: ${NO_TRANSACTION_HINT}`,
    details: { file: statement.file, line: statement.line, column: statement.column, statement: statementHead(statement.sql) },
  });
}

export function refusesTransaction(statement: SourceStatement, what: string): GetDbError {
  return new GetDbError('SEED_UNSUPPORTED', `${placeText(statement)}: ${what} cannot run inside a transaction, and the seed runs as one; nothing was run.`, {
    hint: NO_TRANSACTION_HINT,
    details: { file: statement.file, line: statement.line, column: statement.column, statement: statementHead(statement.sql) },
  });
}
