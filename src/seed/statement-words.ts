/**
 * What a statement's words mean to the splitter, as opposed to where its tokens are
 * (./sql-scanner.ts): psql's heuristic for SQL-standard routine bodies (`CREATE [OR
 * REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END`, whose inner `;` do not end the
 * statement; src/fe_utils/psqlscan.l), and `COPY … FROM STDIN`, after which data lines follow.
 *
 * The scanner reports every word it meets outside quotes and comments (`word`) and every
 * other token (`otherToken`); this module keeps no positions and reads no quotes.
 */
import { routineLetter, wordAt } from './sql-chars.js';

export class StatementWords {
  /** The statement is `COPY … FROM STDIN`: data lines follow it. */
  copyIn = false;
  /** Depth inside a routine's BEGIN … END; a `;` ends the statement only at 0. */
  beginDepth = 0;

  private wordCount = 0;
  private routineLetters = '';
  private isCopy = false;
  private afterFrom = false;

  reset(): void {
    this.copyIn = this.isCopy = this.afterFrom = false;
    this.beginDepth = this.wordCount = 0;
    this.routineLetters = '';
  }

  /** A token that is not a word (nor a comment): FROM and STDIN must be adjacent. */
  otherToken(): void {
    this.afterFrom = false;
  }

  /**
   * The word buf[at, at + length) (an identifier or keyword), met at parenthesis depth
   * `parenDepth`; only words outside parentheses count, as in psql.
   */
  word(buf: Uint8Array, at: number, length: number, parenDepth: number): void {
    const afterFrom = this.afterFrom;
    this.afterFrom = false;
    const count = this.wordCount++;
    if (count < 4) {
      this.routineLetters += routineLetter(buf, at, length);
      if (count === 0) this.isCopy = wordAt(buf, at, length, 'copy');
    }
    if (this.isCopy && parenDepth === 0) {
      if (afterFrom && wordAt(buf, at, length, 'stdin')) this.copyIn = true;
      this.afterFrom = wordAt(buf, at, length, 'from');
    }
    if (!this.isRoutine() || parenDepth !== 0) return;
    if (wordAt(buf, at, length, 'begin')) this.beginDepth++;
    else if (wordAt(buf, at, length, 'case')) { if (this.beginDepth >= 1) this.beginDepth++; }
    else if (wordAt(buf, at, length, 'end')) { if (this.beginDepth > 0) this.beginDepth--; }
  }

  /** CREATE [OR REPLACE] FUNCTION|PROCEDURE, from the first letters of the first four words. */
  private isRoutine(): boolean {
    const letters = this.routineLetters;
    return letters[0] === 'c' && (letters[1] === 'f' || letters[1] === 'p' ||
      (letters[1] === 'o' && letters[2] === 'r' && (letters[3] === 'f' || letters[3] === 'p')));
  }
}
