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

/**
 * SQL texts held under a name that goes wherever a seed path goes (the MCP tools' `sql`): the
 * pre-scan, the seed and their `name:line:col` errors. Names are not absolute paths, so they
 * never stand for a file (seed paths are resolved before they get here).
 */
const HELD_TEXTS = new Map<string, string>();

/** A held SQL text; `release` forgets it once the seed is done. */
export interface HeldSqlText {
  readonly name: string;
  release(): void;
}

/**
 * Holds `text` as a seed input named `label` (`label (2)` while another call holds that name);
 * the same as passing `{ name, text }`, for callers that pass names only.
 *
 * @example
 * const held = holdSqlText('CREATE TABLE t (id int);');
 * try { await seedDatabase({ connectionString, files: [held.name] }); } finally { held.release(); }
 */
export function holdSqlText(text: string, label = 'sql'): HeldSqlText {
  let name = label;
  for (let n = 2; HELD_TEXTS.has(name); n++) name = `${label} (${n})`;
  HELD_TEXTS.set(name, text);
  return { name, release: () => HELD_TEXTS.delete(name) };
}

/**
 * The input as text, when it is text (given, or held under its name); undefined for a path.
 * @example
 * heldText(holdSqlText('SELECT 1;').name) // { name: 'sql', text: 'SELECT 1;' }
 */
export function heldText(input: SeedInput): SeedText | undefined {
  if (isText(input)) return input;
  const text = HELD_TEXTS.get(input);
  return text === undefined ? undefined : { name: input, text };
}
