/**
 * Finds where one SQL statement ends, by PostgreSQL's lexical rules as psql applies
 * them (src/fe_utils/psqlscan.l): a `;` outside quotes, comments and dollar quotes,
 * at parenthesis depth 0 and outside a `CREATE FUNCTION … BEGIN ATOMIC … END` body (which
 * words mean what is ./statement-words.ts's job; this module finds tokens and their ends).
 *
 * Pure and resumable: `scan` walks a byte buffer (UTF-8, as psql's lexer reads it) and, when a
 * token may continue past the buffer's end, stops with MORE at a point it can
 * resume from once more text is appended. Positions it keeps are absolute (offsets
 * in the whole input) so the caller may drop text it has already consumed.
 *
 * Assumes standard_conforming_strings = on (the default since PostgreSQL 9.1, and
 * what pg_dump sets): in '…' a backslash is an ordinary character.
 */

import { classOf, DOLLAR, IDENT_CONT, IDENT_START, isDigit, isTagCont, SPACE } from './sql-chars.js';
import { StatementWords } from './statement-words.js';

/** What `scan` stopped at. */
export const Scan = {
  /** The statement ended: `pos` is just past its ';'. */
  END: 0,
  /** Needs more text; call again from `pos` (relative to the new buffer start). */
  MORE: 1,
  /** End of input reached outside any token: the statement (if any) ends here. */
  DONE: 2,
  /**
   * A backslash outside quotes and comments: a psql meta-command at `pos`; at the start of a
   * statement when `start` is -1, else inside one (psql ends the statement's text there).
   */
  META: 3,
  /** End of input inside a quote or comment opened at `openedAt`. */
  UNTERMINATED: 4,
} as const;
export type ScanResult = (typeof Scan)[keyof typeof Scan];

const EMPTY = new Uint8Array(0);

const enum Mode { Normal, Quote, EscapeQuote, Ident, Dollar, LineComment, BlockComment }

const SEMICOLON = 0x3b, QUOTE = 0x27, DQUOTE = 0x22, BACKSLASH = 0x5c, NEWLINE = 0x0a;
const DASH = 0x2d, SLASH = 0x2f, STAR = 0x2a, LPAREN = 0x28, RPAREN = 0x29, AMP = 0x26;

export class StatementScanner {
  /** Absolute offset of the statement's first character, or -1 while only blanks/comments were seen. */
  start = -1;
  /** Absolute offset just past the statement's last token (comments and blanks excluded). */
  lastTokenEnd = -1;
  /** Absolute offset of the quote or comment left open at end of input. */
  openedAt = -1;
  /** What was left open, for the error message. */
  openedWhat = '';
  /** Where to resume (MORE), the meta-command's backslash (META), or just past ';' (END); buffer-relative. */
  pos = 0;
  /** What the statement's words mean: `words.copyIn` (COPY … FROM STDIN), routine bodies. */
  readonly words = new StatementWords();

  private mode = Mode.Normal;
  private dollarTag: Uint8Array = EMPTY;
  private commentDepth = 0;
  private parenDepth = 0;

  reset(): void {
    this.start = this.lastTokenEnd = this.openedAt = -1;
    this.openedWhat = '';
    this.mode = Mode.Normal;
    this.dollarTag = EMPTY;
    this.commentDepth = this.parenDepth = 0;
    this.words.reset();
  }

  /** Scans `buf` (whose first byte is at absolute offset `base`) from `from`. */
  scan(buf: Buffer, from: number, base: number, eof: boolean): ScanResult {
    let i = from;
    const length = buf.length;
    for (;;) {
      switch (this.mode) {
        case Mode.Quote:
        case Mode.Ident: {
          const close = this.mode === Mode.Quote ? QUOTE : DQUOTE;
          const k = buf.indexOf(close, i);
          if (k === -1) return this.more(length, eof);
          if (k + 1 >= length && !eof) return this.more(k, eof);
          if (buf[k + 1] === close) { i = k + 2; continue; }
          i = this.closeToken(k + 1, base);
          continue;
        }
        case Mode.EscapeQuote: {
          let k = i;
          let found = false;
          while (k < length) {
            const c = buf[k];
            if (c === BACKSLASH) {
              if (k + 1 >= length) break;
              k += 2;
            } else if (c === QUOTE) {
              found = true;
              break;
            } else k++;
          }
          if (!found) return this.more(Math.min(k, length), eof);
          if (k + 1 >= length && !eof) return this.more(k, eof);
          if (buf[k + 1] === QUOTE) { i = k + 2; continue; }
          i = this.closeToken(k + 1, base);
          continue;
        }
        case Mode.Dollar: {
          const k = buf.indexOf(this.dollarTag, i);
          if (k === -1) return this.more(Math.max(i, length - this.dollarTag.length + 1), eof);
          i = this.closeToken(k + this.dollarTag.length, base);
          continue;
        }
        case Mode.LineComment: {
          const k = buf.indexOf(NEWLINE, i);
          if (k === -1) {
            if (eof) return this.done(length);
            return this.more(length, eof);
          }
          this.mode = Mode.Normal;
          i = k + 1;
          continue;
        }
        case Mode.BlockComment: {
          while (i < length - 1) {
            const c = buf[i];
            const next = buf[i + 1];
            if (c === SLASH && next === STAR) { this.commentDepth++; i += 2; }
            else if (c === STAR && next === SLASH) {
              i += 2;
              if (--this.commentDepth === 0) { this.mode = Mode.Normal; break; }
            } else i++;
          }
          if (this.mode === Mode.BlockComment) return this.more(i, eof);
          continue;
        }
        case Mode.Normal: {
          const result = this.scanNormal(buf, i, base, eof);
          if (result !== undefined) return result;
          i = this.pos;
          continue;
        }
      }
    }
  }

  /** Outside quotes and comments: up to the next quote/comment (undefined, with `pos` set) or a stop. */
  private scanNormal(buf: Buffer, from: number, base: number, eof: boolean): ScanResult | undefined {
    const length = buf.length;
    let i = from;
    while (i < length) {
      const c = buf[i]!;
      const cls = classOf(c);
      if (cls & SPACE) { i++; continue; }
      if (cls & IDENT_START) {
        const next = this.scanWord(buf, i, base, eof);
        if (next < 0) return this.more(i, eof);
        if (this.mode !== Mode.Normal) { this.pos = next; return undefined; }
        i = next;
        continue;
      }
      if (c === DOLLAR && !isDigit(buf[i + 1])) {
        const opened = this.openDollar(buf, i, base, eof);
        if (opened === -1) return this.more(i, eof);
        if (opened > 0) { this.pos = opened; return undefined; }
        // A lone '$' (psql's "dolqfailed"): what follows is scanned on its own.
        this.token(i, i + 1, base);
        i++;
        continue;
      }
      if (cls & IDENT_CONT) {
        // A number or a $n parameter (with any junk glued on): neither matters for splitting.
        let j = i + 1;
        while (j < length && classOf(buf[j]) & IDENT_CONT) j++;
        if (j === length && !eof) return this.more(i, eof);
        this.token(i, j, base);
        i = j;
        continue;
      }
      if ((c === DASH || c === SLASH) && i + 1 >= length && !eof) return this.more(i, eof);
      const next = i + 1 < length ? buf[i + 1] : -1;
      if (c === DASH && next === DASH) {
        this.open(Mode.LineComment, i, base, 'comment');
        this.pos = i + 2;
        return undefined;
      }
      if (c === SLASH && next === STAR) {
        this.open(Mode.BlockComment, i, base, '/* comment');
        this.commentDepth = 1;
        this.pos = i + 2;
        return undefined;
      }
      if (c === QUOTE || c === DQUOTE) {
        this.token(i, i + 1, base);
        this.open(c === QUOTE ? Mode.Quote : Mode.Ident, i, base, c === QUOTE ? 'quoted string' : 'quoted identifier');
        this.pos = i + 1;
        return undefined;
      }
      if (c === BACKSLASH) { this.pos = i; return Scan.META; }
      this.token(i, i + 1, base);
      if (c === LPAREN) this.parenDepth++;
      else if (c === RPAREN) { if (this.parenDepth > 0) this.parenDepth--; }
      else if (c === SEMICOLON && this.parenDepth === 0 && this.words.beginDepth === 0) {
        this.pos = i + 1;
        return Scan.END;
      }
      i++;
    }
    return eof ? this.done(length) : this.more(length, eof);
  }

  /**
   * A word starting with a letter at `i`: a string prefix (E'…', U&'…', B'…', X'…', N'…')
   * or an identifier/keyword. Returns where scanning continues, or -1 if the word may
   * continue past the buffer.
   */
  private scanWord(buf: Buffer, i: number, base: number, eof: boolean): number {
    const length = buf.length;
    let j = i + 1;
    while (j < length && classOf(buf[j]) & IDENT_CONT) j++;
    if (j === length && !eof) return -1;
    const c = buf[i]! | 0x20;
    const after = buf[j];
    if (j === i + 1 && after === QUOTE && (c === 0x65 || c === 0x62 || c === 0x78 || c === 0x6e)) {
      this.token(i, j + 1, base);
      this.open(c === 0x65 ? Mode.EscapeQuote : Mode.Quote, i, base, 'quoted string');
      return j + 1;
    }
    if (j === i + 1 && c === 0x75 && after === AMP) {
      if (j + 1 >= length && !eof) return -1;
      const quote = buf[j + 1];
      if (quote === QUOTE || quote === DQUOTE) {
        this.token(i, j + 2, base);
        this.open(quote === QUOTE ? Mode.Quote : Mode.Ident, i, base, quote === QUOTE ? 'quoted string' : 'quoted identifier');
        return j + 2;
      }
    }
    this.position(i, j, base);
    this.words.word(buf, i, j - i, this.parenDepth);
    return j;
  }

  /**
   * At a '$' not followed by a digit: `$$` or `$tag$` opens a dollar quote (returns where
   * its body starts); anything else is a lone '$' (returns 0); -1 = need more text.
   */
  private openDollar(buf: Buffer, i: number, base: number, eof: boolean): number {
    const length = buf.length;
    let j = i + 1;
    if (j < length && classOf(buf[j]) & IDENT_START) {
      j++;
      while (j < length && isTagCont(buf[j])) j++;
    }
    if (j >= length) return eof ? 0 : -1;
    if (buf[j] !== DOLLAR) return 0;
    this.token(i, j + 1, base);
    this.open(Mode.Dollar, i, base, 'dollar-quoted string');
    // A copy: the window `buf` views is replaced as the input moves on.
    this.dollarTag = Uint8Array.prototype.slice.call(buf, i, j + 1);
    return j + 1;
  }

  /** A token other than a word or a comment. */
  private token(from: number, to: number, base: number): void {
    this.position(from, to, base);
    this.words.otherToken();
  }

  private position(from: number, to: number, base: number): void {
    if (this.start < 0) this.start = base + from;
    this.lastTokenEnd = base + to;
  }

  private open(mode: Mode, at: number, base: number, what: string): void {
    this.mode = mode;
    this.openedAt = base + at;
    this.openedWhat = what;
  }

  private closeToken(end: number, base: number): number {
    this.mode = Mode.Normal;
    this.lastTokenEnd = base + end;
    return end;
  }

  private more(pos: number, eof: boolean): ScanResult {
    this.pos = pos;
    if (!eof) return Scan.MORE;
    return this.mode === Mode.Normal || this.mode === Mode.LineComment ? Scan.DONE : Scan.UNTERMINATED;
  }

  private done(pos: number): ScanResult {
    this.pos = pos;
    return Scan.DONE;
  }
}
