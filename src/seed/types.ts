/** What a seed reports while it runs and when it is done; shared by the engine, the CLI and the library. */

export interface SeedProgress {
  file: string;
  bytes: number;
  totalBytes: number;
  statements: number;
  rowsCopied: number;
}

export interface SeedSummary {
  statements: number;
  rowsCopied: number;
  /** Files (or other units: standard input, an archive, SQL text) applied. */
  files: number;
  durationMs: number;
  /** Statements left out because the database cannot run them (named in the warnings). */
  skipped: number;
}

/** What `seedDatabase` returns: the summary, and what was left out or changed, a line each. */
export interface SeedResult extends SeedSummary {
  warnings: string[];
}
