/**
 * The splitter's view of its input: a sliding text window over async chunks that
 * keeps only what is not consumed yet (plus the statement being collected), and
 * knows the line/column of any offset not yet dropped.
 *
 * Offsets are absolute (from the start of the input, after a BOM); `buf[0]` is at `base`.
 */
const BOM = 0xfeff;

export class SqlInput {
  buf = '';
  base = 0;
  eof = false;
  private readonly chunks: AsyncIterator<string>;
  private first = true;
  /** Text of the statement being collected that has already left `buf`. */
  private pieces: string[] = [];
  /** Absolute offset from which statement text is kept, or -1. */
  private keepFrom = -1;
  /** Absolute offset of the kept statement's first character. */
  private keepStart = -1;
  /** Line-counting state: `line` is the line of `countedTo`; that line starts at `lineStart`. */
  private line = 1;
  private lineStart = 0;
  private countedTo = 0;

  constructor(chunks: AsyncIterable<string>) {
    this.chunks = chunks[Symbol.asyncIterator]();
  }

  /**
   * Appends the next non-empty chunk, first dropping text before absolute offset
   * `consumed` (saving it if it belongs to the statement being kept). False at end of input.
   */
  async pull(consumed: number): Promise<boolean> {
    if (this.eof) return false;
    for (;;) {
      const next = await this.chunks.next();
      if (next.done) {
        this.eof = true;
        return false;
      }
      let chunk = next.value;
      if (this.first && chunk.length > 0) {
        this.first = false;
        if (chunk.charCodeAt(0) === BOM) chunk = chunk.slice(1);
      }
      if (chunk.length === 0) continue;
      this.drop(consumed);
      this.buf += chunk;
      return true;
    }
  }

  private drop(consumed: number): void {
    const cut = consumed - this.base;
    if (cut <= 0) return;
    this.countLines(consumed);
    if (this.keepFrom >= 0 && this.keepFrom < consumed) {
      this.pieces.push(this.buf.slice(this.keepFrom - this.base, cut));
      this.keepFrom = consumed;
    }
    this.buf = this.buf.slice(cut);
    this.base = consumed;
  }

  /** Starts keeping statement text from absolute offset `from` (still in `buf`). */
  keep(from: number): void {
    if (this.keepFrom < 0) this.keepFrom = this.keepStart = from;
  }

  /** The kept statement text up to absolute offset `end` (which may already have left `buf`); stops keeping. */
  take(end: number): string {
    const from = this.keepFrom - this.base;
    const text = this.pieces.length === 0
      ? this.buf.slice(from, end - this.base)
      : (this.pieces.join('') + this.buf.slice(from, Math.max(from, end - this.base))).slice(0, end - this.keepStart);
    this.pieces = [];
    this.keepFrom = this.keepStart = -1;
    return text;
  }

  private countLines(to: number): void {
    if (to <= this.countedTo) return;
    const buf = this.buf;
    const end = to - this.base;
    for (let k = buf.indexOf('\n', this.countedTo - this.base); k !== -1 && k < end; k = buf.indexOf('\n', k + 1)) {
      this.line++;
      this.lineStart = this.base + k + 1;
    }
    this.countedTo = to;
  }

  /** 1-based line and column (in UTF-16 units) of absolute offset `at`; offsets asked for must not decrease. */
  position(at: number): { line: number; column: number } {
    this.countLines(at);
    return { line: this.line, column: at - this.lineStart + 1 };
  }
}
