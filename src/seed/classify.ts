/**
 * What a statement means for the seed's transaction, read from its first keywords.
 * Pure; the splitter has already cut the text at top-level semicolons, so only the
 * head of one statement is looked at here (comments skipped, option lists skipped).
 */

export interface StatementKind {
  /** Only comments, whitespace or semicolons: Postgres sends no reply for it, so it is not sent. */
  blank: boolean;
  /** BEGIN, COMMIT, ROLLBACK, END, START TRANSACTION…: the file manages its own transactions. */
  transactionControl: boolean;
  /** Which: 'begin' (BEGIN, START TRANSACTION), 'commit' (COMMIT, END), 'rollback' (ROLLBACK, ABORT) or 'prepare' (two-phase). */
  transactionWord: TransactionWord | undefined;
  /** e.g. 'CREATE INDEX CONCURRENTLY': refuses to run inside a transaction block. */
  refusesTransaction: string | undefined;
}

const HEAD_WORDS = 8;

function skipSpaceAndComments(sql: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < sql.length && /[\s;]/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      i = skipBlockComment(sql, i);
    } else {
      return i;
    }
  }
}

/** Block comments nest in PostgreSQL. */
function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) (depth++, (i += 2));
    else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

function skipParentheses(sql: string, from: number): number {
  let depth = 0;
  for (let i = from; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    else if (sql[i] === ')' && --depth === 0) return i + 1;
  }
  return sql.length;
}

/** The first keywords, upper-cased; stops at the first thing that is not a bare word. */
export function leadingWords(sql: string, limit = HEAD_WORDS): string[] {
  const words: string[] = [];
  let i = skipSpaceAndComments(sql, 0);
  while (words.length < limit && i < sql.length) {
    if (sql[i] === '(') {
      i = skipSpaceAndComments(sql, skipParentheses(sql, i));
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 64));
    if (!word) break;
    words.push(word[0].toUpperCase());
    i = skipSpaceAndComments(sql, i + word[0].length);
  }
  return words;
}

export type TransactionWord = 'begin' | 'commit' | 'rollback' | 'prepare';

function transactionWord([first, second, third]: string[]): TransactionWord | undefined {
  switch (first) {
    case 'BEGIN':
      return 'begin';
    case 'START':
      return second === 'TRANSACTION' ? 'begin' : undefined;
    case 'COMMIT':
      return second === 'PREPARED' ? 'prepare' : 'commit';
    case 'END':
      return 'commit';
    case 'ABORT':
      return 'rollback';
    case 'PREPARE':
      return second === 'TRANSACTION' ? 'prepare' : undefined;
    case 'ROLLBACK':
      // ROLLBACK [WORK|TRANSACTION] TO SAVEPOINT stays inside the transaction.
      if (second === 'PREPARED') return 'prepare';
      return second !== 'TO' && third !== 'TO' ? 'rollback' : undefined;
    default:
      return undefined;
  }
}

function refusedStatement(words: string[], sql: string): string | undefined {
  const [first, second, third, fourth] = words;
  const head = words.join(' ');
  if (first === 'VACUUM') return 'VACUUM';
  if (first === 'ALTER' && second === 'SYSTEM') return 'ALTER SYSTEM';
  if ((first === 'CREATE' || first === 'DROP') && (second === 'DATABASE' || second === 'TABLESPACE')) return `${first} ${second}`;
  if (first === 'CREATE' && (second === 'SUBSCRIPTION')) return 'CREATE SUBSCRIPTION';
  if (first === 'CREATE' && second === 'INDEX' && third === 'CONCURRENTLY') return 'CREATE INDEX CONCURRENTLY';
  if (first === 'CREATE' && second === 'UNIQUE' && third === 'INDEX' && fourth === 'CONCURRENTLY') return 'CREATE INDEX CONCURRENTLY';
  if (first === 'DROP' && second === 'INDEX' && third === 'CONCURRENTLY') return 'DROP INDEX CONCURRENTLY';
  if (first === 'REINDEX' && (second === 'DATABASE' || second === 'SYSTEM')) return `REINDEX ${second}`;
  if (first === 'REINDEX' && /^REINDEX \w+ CONCURRENTLY/.test(head)) return 'REINDEX CONCURRENTLY';
  if (first === 'ALTER' && second === 'TABLE' && /\bDETACH\s+PARTITION\b[^;]*\bCONCURRENTLY\b/i.test(sql)) {
    return 'DETACH PARTITION CONCURRENTLY';
  }
  return undefined;
}

export function classifyStatement(sql: string): StatementKind {
  const words = leadingWords(sql);
  const blank = skipSpaceAndComments(sql, 0) >= sql.length;
  const word = transactionWord(words);
  return {
    blank,
    transactionControl: word !== undefined,
    transactionWord: word,
    refusesTransaction: refusedStatement(words, sql),
  };
}

/** The statement's first line, leading comments and blank lines skipped: how messages show it. */
export function statementHead(sql: string): string {
  const start = skipSpaceAndComments(sql, 0);
  const rest = sql.slice(start);
  const end = rest.search(/\r?\n/);
  return (end === -1 ? rest : rest.slice(0, end)).trimEnd();
}

/** Index of the statement's first character that is not whitespace or a comment. */
export function headOffset(sql: string): number {
  return skipSpaceAndComments(sql, 0);
}
