/**
 * One simple query (any number of statements) that keeps at most `maxRows` rows of the
 * last result, so `SELECT * FROM big` cannot fill the server's memory, and counts the
 * rest. Values are JSON: numbers, booleans and json/jsonb parsed; every other type as
 * PostgreSQL prints it (int8 and numeric too, whose digits a JS number would lose).
 */
import { SimpleQuery } from '../seed/simple-query.js';

/** What the last statement of the text returned. */
export interface QueryOutcome {
  /** Statements completed (CommandComplete replies). */
  statements: number;
  /** The last statement's tag: SELECT, INSERT, CREATE TABLE… */
  command: string | null;
  /** Rows the last statement returned or touched. */
  rowCount: number | null;
  columns: string[];
  rows: Array<Record<string, unknown>>;
  truncated: boolean;
  error: Error | undefined;
}

const BOOL = 16;
const NUMBERS = new Set([21, 23, 26, 700, 701]); // int2, int4, oid, float4, float8
const JSONS = new Set([114, 3802]); // json, jsonb

function valueOf(text: string | null, type: number): unknown {
  if (text === null) return null;
  if (type === BOOL) return text === 't';
  if (NUMBERS.has(type)) return Number(text);
  if (JSONS.has(type)) return JSON.parse(text) as unknown;
  return text;
}

/** `INSERT 0 3` → command INSERT, 3 rows; `CREATE TABLE` → no count. */
function readTag(tag: string): { command: string; rowCount: number | null } {
  const words = tag.split(' ');
  const count = /^\d+$/.test(words.at(-1) ?? '') ? Number(words.at(-1)) : null;
  return { command: words.filter((word) => !/^\d+$/.test(word)).join(' '), rowCount: count };
}

interface Field {
  name: string;
  dataTypeID: number;
}

/**
 * The query as pg's client runs it: `client.query(new CappedQuery(sql, 100)).outcome`.
 *
 * @example
 * const { rows, truncated, error } = await client.query(new CappedQuery('select * from big', 100)).outcome;
 */
export class CappedQuery extends SimpleQuery<QueryOutcome> {
  /** There is no data to send: COPY … FROM STDIN belongs in a seed. */
  protected readonly copyRefusal = 'COPY FROM STDIN needs its data: use seed_database';
  private fields: Field[] = [];
  private state: Omit<QueryOutcome, 'error'> = { statements: 0, command: null, rowCount: null, columns: [], rows: [], truncated: false };

  constructor(
    text: string,
    private readonly maxRows: number,
  ) {
    super(text);
  }

  override handleRowDescription(message: { fields: Field[] }): void {
    this.fields = message.fields;
    this.state = { ...this.state, columns: message.fields.map((field) => field.name), rows: [], truncated: false };
  }

  override handleDataRow(message: { fields: Array<string | null> }): void {
    if (this.state.rows.length >= this.maxRows) {
      this.state.truncated = true;
      return;
    }
    const row: Record<string, unknown> = {};
    for (const [index, field] of this.fields.entries()) row[field.name] = valueOf(message.fields[index] ?? null, field.dataTypeID);
    this.state.rows.push(row);
  }

  override handleCommandComplete(message: { text: string }): void {
    const { command, rowCount } = readTag(message.text);
    const returnedRows = this.fields.length > 0;
    this.state = { ...this.state, statements: this.state.statements + 1, command, rowCount };
    // A statement that returns no rows (INSERT, CREATE) shows none, not the previous SELECT's.
    if (!returnedRows) this.state = { ...this.state, columns: [], rows: [], truncated: false };
    this.fields = [];
  }

  protected result(error: Error | undefined): QueryOutcome {
    return { ...this.state, error };
  }
}
