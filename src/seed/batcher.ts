/**
 * Consecutive statements go to the server together, as one multi-statement simple
 * query: one round trip for up to `maxStatements` statements / `maxChars` of text
 * instead of one each. Pure bookkeeping, plus the way back from a server error
 * position (in the batch's text) to the statement and its place in its file.
 */

export interface SourceStatement {
  sql: string;
  file: string;
  /** 1-based place of the statement's first character in its file. */
  line: number;
  column: number;
}

export interface BatchLimits {
  maxChars: number;
  maxStatements: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxChars: 512 * 1024, maxStatements: 5_000 };

const SEPARATOR = '\n';
/**
 * Only a file's last statement may lack its `;`. Sent as is, it would run into the next
 * statement or our COMMIT ("SELECT 1 AS" + "COMMIT;" is valid SQL), so it gets one, on a
 * line of its own in case the statement ends in a -- comment.
 */
const TERMINATOR = '\n;';

function terminated(sql: string): string {
  return sql.trimEnd().endsWith(';') ? sql : sql + TERMINATOR;
}

export class StatementBatch {
  readonly statements: SourceStatement[] = [];
  private chars = 0;

  constructor(private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS) {}

  add(statement: SourceStatement): void {
    this.statements.push(statement);
    this.chars += statement.sql.length + SEPARATOR.length + TERMINATOR.length;
  }

  get size(): number {
    return this.statements.length;
  }

  isFull(): boolean {
    return this.chars >= this.limits.maxChars || this.statements.length >= this.limits.maxStatements;
  }

  /**
   * The query text, emptying the batch. `wrap` adds BEGIN/COMMIT around it (saving a
   * round trip each); `statements` are returned alongside for error mapping.
   */
  take(wrap: Wrapping = {}): TakenBatch {
    const statements = this.statements.splice(0);
    this.chars = 0;
    const parts = [wrap.before, ...statements.map((s) => terminated(s.sql)), wrap.after].filter((part) => part !== undefined);
    return { text: parts.join(SEPARATOR), statements, ...wrap };
  }
}

/** Our own statements around the file's, e.g. BEGIN; … COMMIT;. */
export interface Wrapping {
  before?: string;
  after?: string;
}

export interface TakenBatch extends Wrapping {
  text: string;
  statements: SourceStatement[];
}

/** Postgres counts characters (code points); JavaScript strings count UTF-16 units. */
function codePointLength(text: string): number {
  let surrogatePairs = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) surrogatePairs++;
  }
  return text.length - surrogatePairs;
}

export interface Location {
  line: number;
  column: number;
}

/** Where, in its file, the `offset`-th character (code point, 0-based) of a statement is. */
export function locateInStatement(statement: SourceStatement, offset: number): Location {
  let line = statement.line;
  let column = statement.column;
  let seen = 0;
  for (const char of statement.sql) {
    if (seen++ >= offset) break;
    if (char === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column };
}

/**
 * The statement a server error `position` (1-based, in code points of the whole batch
 * text) falls in, and the place of that position in its file. Undefined when out of range.
 * `before`: our text ahead of the statements (see Wrapping).
 */
export function locatePosition(
  statements: SourceStatement[],
  position: number,
  before?: string,
): { index: number; location: Location } | undefined {
  let start = before === undefined ? 0 : codePointLength(before) + SEPARATOR.length;
  for (const [index, statement] of statements.entries()) {
    const length = codePointLength(statement.sql);
    const sent = codePointLength(terminated(statement.sql));
    const offset = position - 1 - start;
    // `<= sent`: "at end of input" points just past the last character; an added `;` is
    // shown as the end of the statement.
    if (offset >= 0 && offset <= sent) return { index, location: locateInStatement(statement, Math.min(offset, length)) };
    start += sent + SEPARATOR.length;
  }
  return undefined;
}
