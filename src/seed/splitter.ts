/**
 * Splits a seed file into what psql would send: statements, COPY … FROM stdin blocks
 * with their data, and meta-command lines. Streams: it keeps only the statement being
 * read (or one chunk of COPY data), never the whole input, so a 200 MB pg_dump costs
 * little memory; COPY data goes through in chunk-sized slices, unscanned.
 *
 * Lexical rules: ./sql-scanner.ts. Decisions:
 * - A quote, dollar quote or block comment still open at the end of the input throws
 *   SEED_FAILED with the place it was opened (found by the pre-scan, before anything runs).
 * - A backslash starts a meta-command only where a statement would start; one inside
 *   a statement is left in it (the server reports it).
 * - After `COPY … FROM stdin;` the rest of its line must be blank or a `--` comment;
 *   data starts on the next line and ends at a line that is exactly `\.` (or at the end).
 * - Line breaks are `\n` and `\r\n`; columns count characters. The input is UTF-8 bytes
 *   (./sources.ts decodes and checks it, and drops a byte-order mark); COPY data stays bytes.
 * - A backslash outside quotes inside a statement (psql ends the statement's text there and
 *   runs the meta-command) is a 'meta' item with `inStatement`; the statement's text up to
 *   it comes first, as a 'statement' item, unless the meta-command is `\g` (psql's `;`).
 */
import { GetDbError } from '../errors.js';
import { TextProblem } from './decode.js';
import { displayPath, unreadableText } from './errors.js';
import { parseMetaCommand } from './meta-command.js';
import { SqlInput } from './sql-input.js';
import { Scan, StatementScanner, type ScanResult } from './sql-scanner.js';

export type SqlItem =
  /** One SQL statement including its terminating ';' if it had one; leading whitespace/comments before it are not part of `sql`. */
  | { kind: 'statement'; sql: string; line: number; column: number }
  /** A `COPY … FROM stdin` statement (psql style): the data follows as 'copy-data' items, then 'copy-end'. */
  | { kind: 'copy-start'; sql: string; line: number; column: number }
  | { kind: 'copy-data'; data: Buffer }
  | { kind: 'copy-end'; line: number }
  /**
   * A psql meta-command: from its backslash to the end of its line. `inStatement`: it came
   * after the start of a statement that had no `;` yet, e.g. `SELECT …\n\gexec`.
   */
  | { kind: 'meta'; command: string; args: string[]; line: number; column: number; inStatement?: boolean };

export interface SplitOptions {
  /** For error messages. */
  fileName?: string;
}

interface Place { line: number; column: number }

const NEWLINE = 0x0a;
/** A line break followed by `\.`: where a COPY block may end. */
const END_OF_DATA = Buffer.from('\n\\.');

/** Past this much COPY data without a line break, a slice is passed on mid-line. */
const MAX_HELD_COPY_LINE = 1 << 20;

/** Streams items from UTF-8 byte chunks; never holds the whole input. */
export async function* splitSql(chunks: AsyncIterable<Uint8Array>, options: SplitOptions = {}): AsyncGenerator<SqlItem> {
  try {
    yield* splitItems(chunks, options);
  } catch (error) {
    throw error instanceof TextProblem ? unreadableText(options.fileName ?? '<input>', error) : error;
  }
}

async function* splitItems(chunks: AsyncIterable<Uint8Array>, options: SplitOptions): AsyncGenerator<SqlItem> {
  const input = new SqlInput(chunks);
  const scanner = new StatementScanner();
  const fileName = options.fileName ?? '<input>';
  let pos = 0;
  await input.pull(0);
  for (;;) {
    scanner.reset();
    const { result, start, opened } = await scanStatement(input, scanner, pos);
    if (result === Scan.UNTERMINATED) throw unterminated(fileName, opened!, scanner.openedWhat);
    if (result === Scan.META) {
      const at = input.base + scanner.pos;
      const inStatement = start !== undefined;
      // psql sends the text before the meta-command as it is: the statement ends there.
      if (inStatement) yield { kind: 'statement', sql: input.take(scanner.lastTokenEnd), ...start };
      const place = input.position(at);
      const end = await lineEnd(input, at);
      const { command, args } = parseMetaCommand(textOfLine(input, at + 1, end));
      yield { kind: 'meta', command, args, ...place, ...(inStatement ? { inStatement } : {}) };
      pos = end + 1;
      continue;
    }
    if (start === undefined) return; // DONE with only blanks and comments left.
    const end = result === Scan.END ? input.base + scanner.pos : scanner.lastTokenEnd;
    const sql = input.take(end);
    pos = end;
    if (!scanner.words.copyIn) yield { kind: 'statement', sql, ...start };
    else {
      yield { kind: 'copy-start', sql, ...start };
      if (result === Scan.DONE) {
        yield { kind: 'copy-end', line: start.line };
        return;
      }
      pos = yield* copyBlock(input, pos, fileName);
    }
    if (result === Scan.DONE) return;
  }
}

/** Runs the scanner over as many chunks as one statement needs. */
async function scanStatement(input: SqlInput, scanner: StatementScanner, from: number) {
  let start: Place | undefined;
  let opened: Place | undefined;
  let openedAt = -1;
  let rel = from - input.base;
  for (;;) {
    const result: ScanResult = scanner.scan(input.buf, rel, input.base, input.eof);
    if (start === undefined && scanner.start >= 0) {
      start = input.position(scanner.start);
      input.keep(scanner.start);
    }
    // Where a still-open quote began, taken while that text is still at hand.
    if (scanner.openedAt !== openedAt && (scanner.start < 0 || scanner.openedAt >= scanner.start)) {
      openedAt = scanner.openedAt;
      opened = input.position(openedAt);
    }
    if (result !== Scan.MORE) return { result, start, opened };
    const resume = input.base + scanner.pos;
    await input.pull(resume);
    rel = resume - input.base;
  }
}

/** Absolute offset of the '\n' ending the line that holds `from`, or of the input's end. */
async function lineEnd(input: SqlInput, from: number): Promise<number> {
  let searchFrom = from;
  for (;;) {
    const k = input.buf.indexOf(NEWLINE, searchFrom - input.base);
    if (k !== -1) return input.base + k;
    searchFrom = input.base + input.buf.length;
    if (!(await input.pull(from))) return input.base + input.buf.length;
  }
}

function textOfLine(input: SqlInput, from: number, end: number): string {
  const text = input.text(from, end);
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/**
 * Length of the `\.` end-of-data line at `at` (with its line break), 0 if there is none,
 * -1 if more text is needed to tell.
 */
function copyTerminatorAt(buf: Buffer, at: number, eof: boolean): number {
  const need = eof ? 0 : -1;
  if (at >= buf.length) return need;
  if (buf[at] !== 0x5c) return 0;
  if (at + 1 >= buf.length) return need;
  if (buf[at + 1] !== 0x2e) return 0;
  if (at + 2 >= buf.length) return eof ? 2 : -1;
  const c = buf[at + 2];
  if (c === NEWLINE) return 3;
  if (c !== 0x0d) return 0;
  if (at + 3 >= buf.length) return eof ? 3 : -1;
  return buf[at + 3] === NEWLINE ? 4 : 0;
}

/** The data after a COPY … FROM stdin statement ending at `from`; returns where SQL resumes. */
async function* copyBlock(input: SqlInput, from: number, fileName: string): AsyncGenerator<SqlItem, number> {
  const statementLineEnd = await lineEnd(input, from);
  const rest = textOfLine(input, from, statementLineEnd).trim();
  if (rest !== '' && !rest.startsWith('--')) {
    const { line, column } = input.position(from);
    throw new GetDbError('SEED_FAILED', `${displayPath(fileName)}:${line}:${column}: text after COPY … FROM stdin; on the same line`, {
      hint: 'COPY data starts on the line after the COPY statement; move this text to its own line after the \\. line.',
      details: { file: fileName, line, column },
    });
  }
  let pos = statementLineEnd + 1;
  let atLineStart = true;
  for (;;) {
    const { buf, base, eof } = input;
    const rel = Math.min(pos - base, buf.length);
    if (atLineStart) {
      const terminator = copyTerminatorAt(buf, rel, eof);
      if (terminator > 0 || (terminator === 0 && eof && rel >= buf.length)) {
        yield { kind: 'copy-end', line: input.position(base + rel).line };
        return base + rel + terminator;
      }
      if (terminator === -1) {
        await input.pull(base + rel);
        continue;
      }
    }
    let k = buf.indexOf(END_OF_DATA, rel);
    while (k !== -1 && copyTerminatorAt(buf, k + 1, eof) === 0) k = buf.indexOf(END_OF_DATA, k + 1);
    let end: number;
    if (k !== -1) end = k + 1;
    else if (eof) end = buf.length;
    else {
      const lastBreak = buf.lastIndexOf(NEWLINE);
      end = lastBreak >= rel ? lastBreak + 1 : buf.length - rel > MAX_HELD_COPY_LINE ? buf.length : rel;
    }
    if (end > rel) {
      yield { kind: 'copy-data', data: buf.subarray(rel, end) };
      atLineStart = buf[end - 1] === NEWLINE;
    }
    pos = base + end;
    if (k === -1 && !eof) await input.pull(pos);
    else if (k === -1) atLineStart = true; // End of input: the loop ends the block.
  }
}

function unterminated(fileName: string, at: Place, what: string): GetDbError {
  return new GetDbError('SEED_FAILED', `${displayPath(fileName)}:${at.line}:${at.column}: unterminated ${what} (it runs to the end of the file)`, {
    hint: `Close the ${what} that starts here.`,
    details: { file: fileName, line: at.line, column: at.column },
  });
}
