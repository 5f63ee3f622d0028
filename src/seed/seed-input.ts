/**
 * What a seed input is, with no I/O: the plan and the create path name inputs without
 * loading the seed's file code (input-checks.ts and the readers load only for a seed).
 */

/** Standard input, as `--seed -` names it. */
export const STDIN = '-';

/** SQL given as text rather than a file; `name` stands for it in messages (e.g. 'sql'). */
export interface SeedText {
  name: string;
  text: string;
}

/** A path (file, folder, pipe, or `-` for standard input), or SQL text. */
export type SeedInput = string | SeedText;

/**
 * Whether an input is SQL text rather than a path.
 * @example
 * isText({ name: 'sql', text: 'SELECT 1;' }) // true
 */
export const isText = (input: SeedInput): input is SeedText => typeof input !== 'string';
