/** Seed progress, counted as work is done and reported at most every `intervalMs`. */
import type { SeedProgress } from './types.js';

const DEFAULT_INTERVAL_MS = 100;

export class ProgressCounter {
  statements = 0;
  rowsCopied = 0;
  file = '';
  /** Bytes of the files already done, and of the current one so far. */
  private bytesBefore = 0;
  private currentSize = 0;
  private bytesOfFile = () => 0;
  private lastReport = -Infinity;

  constructor(
    private readonly totalBytes: number,
    private readonly report: ((progress: SeedProgress) => void) | undefined,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
  ) {}

  startFile(file: string, size: number, bytesRead: () => number): void {
    this.bytesBefore += this.currentSize;
    this.file = file;
    this.currentSize = size;
    this.bytesOfFile = bytesRead;
  }

  snapshot(): SeedProgress {
    return {
      file: this.file,
      bytes: Math.min(this.bytesBefore + this.bytesOfFile(), this.totalBytes),
      totalBytes: this.totalBytes,
      statements: this.statements,
      rowsCopied: this.rowsCopied,
    };
  }

  /** Reports when the interval has passed, or always with `force`. */
  tick(force = false): void {
    if (!this.report) return;
    const now = performance.now();
    if (!force && now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    this.report(this.snapshot());
  }
}
