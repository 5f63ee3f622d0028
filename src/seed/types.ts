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
  files: number;
  durationMs: number;
}
