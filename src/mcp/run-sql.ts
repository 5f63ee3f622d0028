/**
 * `run_sql`: one text of SQL on one database, as an agent would in psql. Rows come back
 * capped; a failure names its line and column in the text. With `readOnly` it runs in a
 * READ ONLY transaction that is rolled back, so it can change nothing by accident.
 */
import { GetDbError, isGetDbError } from '../errors.js';
import { locateInStatement } from '../seed/batcher.js';
import { classifyStatement } from '../seed/classify.js';
import { statementFailed } from '../seed/errors.js';
import { pgConfigFromUrl } from '../seed/pg-config.js';
import { cancelOnServer, connect, isServerError } from '../seed/session.js';
import { splitSql } from '../seed/splitter.js';
import { CappedQuery, type QueryOutcome } from './sql-query.js';

export const DEFAULT_MAX_ROWS = 100;
/** A statement that runs longer is stopped by the server: an agent waits for the answer. */
const STATEMENT_TIMEOUT = '60s';
/** Where errors say the SQL is: `sql:2:8: …`. */
const SQL_NAME = 'sql';

export interface RunSqlInput {
  connectionString: string;
  sql: string;
  readOnly?: boolean;
  maxRows?: number;
  signal?: AbortSignal;
}

export type SqlResult = Omit<QueryOutcome, 'error'> & { readOnly: boolean };

/** The same failure under run_sql's code: the seed's wording (file:line:col, Postgres's detail) fits as it is. */
function asSqlFailure(error: unknown): GetDbError {
  if (!isGetDbError(error)) return new GetDbError('SQL_FAILED', `The connection to the database was lost: ${(error as Error).message}`, { cause: error });
  return new GetDbError('SQL_FAILED', error.message, { hint: error.hint, cause: error, details: error.details });
}

async function* oneChunk(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}

/** A COMMIT inside would end the read-only transaction, and what follows it would write. */
async function refuseTransactionControl(sql: string): Promise<void> {
  for await (const item of splitSql(oneChunk(sql), { fileName: SQL_NAME })) {
    if (item.kind !== 'statement' || !classifyStatement(item.sql).transactionControl) continue;
    throw new GetDbError('USAGE', `${SQL_NAME}:${item.line}:${item.column}: read_only runs the SQL in one read-only transaction; it may not begin or end transactions itself.`, {
      hint: 'Remove BEGIN/COMMIT/ROLLBACK, or set read_only to false.',
      details: { line: item.line, column: item.column },
    });
  }
}

function failure(error: Error, sql: string): GetDbError {
  if (!isServerError(error)) return asSqlFailure(error);
  const text = { sql, file: SQL_NAME, line: 1, column: 1 };
  const position = Number(error.position ?? 0);
  return asSqlFailure(statementFailed(error, text, locateInStatement(text, Math.max(0, position - 1))));
}

/**
 * Runs `sql` (one or more statements) and returns the last statement's rows.
 *
 * @example
 * const result = await runSql({ connectionString: process.env.DATABASE_URL_DIRECT!, sql: 'SELECT now()', readOnly: true });
 */
export async function runSql(input: RunSqlInput): Promise<SqlResult> {
  const readOnly = input.readOnly ?? false;
  if (readOnly) await refuseTransactionControl(input.sql);
  const config = (() => {
    try {
      return pgConfigFromUrl(input.connectionString);
    } catch (error) {
      throw asSqlFailure(error);
    }
  })();
  const client = await connect(config, input.signal).catch((error: unknown) => {
    throw isGetDbError(error) && error.code === 'CANCELLED' ? error : asSqlFailure(error);
  });
  const stop = () => void cancelOnServer(config, client).finally(() => client.end().catch(() => {}));
  input.signal?.addEventListener('abort', stop, { once: true });
  try {
    await client.query(`SET statement_timeout = '${STATEMENT_TIMEOUT}'`);
    if (readOnly) await client.query('BEGIN READ ONLY');
    const outcome = await client.query(new CappedQuery(input.sql, input.maxRows ?? DEFAULT_MAX_ROWS)).outcome;
    if (readOnly) await client.query('ROLLBACK');
    const { error, ...result } = outcome;
    if (error) throw failure(error, input.sql);
    return { ...result, readOnly };
  } catch (error) {
    if (input.signal?.aborted) throw new GetDbError('CANCELLED', 'Cancelled; the statement was stopped on the server.', { cause: error });
    throw isGetDbError(error) ? error : asSqlFailure(error);
  } finally {
    input.signal?.removeEventListener('abort', stop);
    void client.end().catch(() => {});
  }
}
