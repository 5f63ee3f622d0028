/**
 * The splitter's view of its input: a sliding byte window over async chunks (UTF-8, already
 * checked by ./sources.ts) that keeps only what is not consumed yet (plus the statement being
 * collected), and knows the line/column of any offset not yet dropped.
 *
 * Offsets are absolute byte offsets from the start of the input; `buf[0]` is at `base`.
 * Columns count characters (code points), as PostgreSQL's error positions do.
 */
import { TextProblem } from './decode.js';
import { WITH_HEADROOM } from './headroom.js';

const NEWLINE = 0x0a;
/** Below this many bytes, lines are counted byte by byte; above, with memchr (Buffer.indexOf). */
const SHORT_SPAN = 512;
const EMPTY = Buffer.alloc(0);

/** Characters (code points) in buf[from, to): every byte but UTF-8's continuation bytes. */
function charCount(buf: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if ((buf[i]! & 0xc0) !== 0x80) count++;
  return count;
}

export class SqlInput {
  buf: Buffer = EMPTY;
  base = 0;
  eof = false;
  private readonly chunks: AsyncIterator<Uint8Array>;
  /** Bytes of the statement being collected that have already left `buf`. */
  private pieces: Buffer[] = [];
  /** Absolute offset from which statement text is kept, or -1. */
  private keepFrom = -1;
  /** Absolute offset of the kept statement's first byte. */
  private keepStart = -1;
  /** Line-counting state: `line` is the line of `countedTo`; that line starts at `lineStart`. */
  private line = 1;
  private lineStart = 0;
  private countedTo = 0;
  /** Characters of the current line from `lineStart` up to absolute offset `columnAt` (≥ base). */
  private columnAt = 0;
  private columnChars = 0;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.chunks = chunks[Symbol.asyncIterator]();
  }

  /**
   * Appends the next non-empty chunk, first dropping text before absolute offset
   * `consumed` (saving it if it belongs to the statement being kept). False at end of input.
   */
  async pull(consumed: number): Promise<boolean> {
    if (this.eof) return false;
    for (;;) {
      const next = await this.chunks.next().catch((error: unknown) => {
        if (error instanceof TextProblem) {
          this.countLines(this.base + this.buf.length);
          error.line = this.line + error.newlines;
        }
        throw error;
      });
      if (next.done) {
        this.eof = true;
        return false;
      }
      const chunk = next.value;
      if (chunk.length === 0) continue;
      this.drop(consumed);
      this.append(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      return true;
    }
  }

  /**
   * What is left of `buf` and `chunk`, contiguous. The file reader leaves room ahead of each
   * chunk (./headroom.ts): a short rest goes there, and the chunk is not copied.
   */
  private append(chunk: Buffer): void {
    const rest = this.buf;
    if (rest.length === 0) {
      this.buf = chunk;
    } else if (rest.length <= chunk.byteOffset && WITH_HEADROOM.delete(chunk.buffer)) {
      const start = chunk.byteOffset - rest.length;
      rest.copy(new Uint8Array(chunk.buffer, start, rest.length));
      this.buf = Buffer.from(chunk.buffer, start, rest.length + chunk.length);
    } else {
      this.buf = Buffer.concat([rest, chunk]);
    }
  }

  private drop(consumed: number): void {
    const cut = consumed - this.base;
    if (cut <= 0) return;
    this.countLines(consumed);
    this.advanceColumn(consumed);
    if (this.keepFrom >= 0 && this.keepFrom < consumed) {
      this.pieces.push(this.buf.subarray(this.keepFrom - this.base, cut));
      this.keepFrom = consumed;
    }
    this.buf = this.buf.subarray(cut);
    this.base = consumed;
  }

  /** Starts keeping statement text from absolute offset `from` (still in `buf`). */
  keep(from: number): void {
    if (this.keepFrom < 0) this.keepFrom = this.keepStart = from;
  }

  /** The kept statement text up to absolute offset `end` (which may already have left `buf`); stops keeping. */
  take(end: number): string {
    const from = this.keepFrom - this.base;
    const to = Math.max(from, end - this.base);
    // `end` may lie in text already dropped (a trailing comment was read past it): cut there.
    const text = this.pieces.length === 0
      ? this.buf.toString('utf8', from, to)
      : Buffer.concat([...this.pieces, this.buf.subarray(from, to)]).toString('utf8', 0, end - this.keepStart);
    this.pieces = [];
    this.keepFrom = this.keepStart = -1;
    return text;
  }

  /** Text of buf from absolute offset `from` to `to`, both still in `buf`. */
  text(from: number, to: number): string {
    return this.buf.toString('utf8', from - this.base, to - this.base);
  }

  private countLines(to: number): void {
    if (to <= this.countedTo) return;
    const buf = this.buf;
    const end = to - this.base;
    let k = this.countedTo - this.base;
    if (end - k < SHORT_SPAN) {
      // A statement's few lines: a plain loop beats a call into Buffer.indexOf per line.
      for (; k < end; k++) {
        if (buf[k] === NEWLINE) {
          this.line++;
          this.lineStart = this.base + k + 1;
        }
      }
    } else {
      for (k = buf.indexOf(NEWLINE, k); k !== -1 && k < end; k = buf.indexOf(NEWLINE, k + 1)) {
        this.line++;
        this.lineStart = this.base + k + 1;
      }
    }
    this.countedTo = to;
    if (this.columnAt < this.lineStart) {
      this.columnAt = this.lineStart;
      this.columnChars = 0;
    }
  }

  /** Counts the current line's characters up to `to` (still in `buf`), once each. */
  private advanceColumn(to: number): void {
    if (to <= this.columnAt) return;
    this.columnChars += charCount(this.buf, this.columnAt - this.base, to - this.base);
    this.columnAt = to;
  }

  /** 1-based line and column of absolute offset `at`; offsets asked for must not decrease. */
  position(at: number): { line: number; column: number } {
    this.countLines(at);
    if (at >= this.columnAt) {
      this.advanceColumn(at);
      return { line: this.line, column: this.columnChars + 1 };
    }
    // Asked behind the count (still in `buf`): count back.
    const back = charCount(this.buf, Math.max(at, this.base) - this.base, this.columnAt - this.base);
    return { line: this.line, column: this.columnChars - back + 1 };
  }
}
