/**
 * The "seed pending" note: a comment line get-db writes with its block when a seed is asked
 * for, and removes once the seed has committed. While it is there, the database in the file
 * has not been (fully) seeded, so running the same command again seeds it instead of
 * skipping. A comment, so sh, dotenv, Vite and `node --env-file` all ignore it. Pure.
 */
import { parseEnvEntries, splitLines } from './env-lines.js';

const PREFIX = '# get-db: seed pending for ';

/**
 * The note for `key`, naming the files (as the user would type them) for whoever reads the file.
 *
 * @example
 * seedPendingLine('DATABASE_URL', ['schema.sql']);
 * // '# get-db: seed pending for DATABASE_URL: schema.sql (run the same command again to apply it)'
 */
export function seedPendingLine(key: string, files: string[]): string {
  // JSON escapes line breaks, so an odd file name cannot end the comment early.
  const names = files.map((file) => (/^[^\s"\\,]+$/.test(file) ? file : JSON.stringify(file))).join(', ');
  return `${PREFIX}${key}: ${names} (run the same command again to apply it)`;
}

/** A line that is a note (for any key when `key` is omitted), its line break included. */
export function isSeedPendingLine(line: string, key?: string): boolean {
  if (!line.startsWith(PREFIX)) return false;
  if (key === undefined) return true;
  // Keys are names ([A-Za-z_][A-Za-z0-9_]*): the colon ends one.
  return line.startsWith(`${PREFIX}${key}:`);
}

/** Physical lines with their offsets, minus those inside a (multi-line) value. */
function commentLines(text: string): Array<{ line: string; start: number }> {
  const entries = parseEnvEntries(text);
  const lines: Array<{ line: string; start: number }> = [];
  let start = 0;
  for (const line of splitLines(text)) {
    if (!entries.some((entry) => start >= entry.start && start < entry.end)) lines.push({ line, start });
    start += line.length;
  }
  return lines;
}

/**
 * Does the file say a seed is still pending for `key`?
 *
 * @example
 * hasPendingSeed('# get-db: seed pending for DATABASE_URL: a.sql\nDATABASE_URL=x\n', 'DATABASE_URL'); // true
 */
export function hasPendingSeed(text: string, key: string): boolean {
  return commentLines(text).some(({ line }) => isSeedPendingLine(line, key));
}

/**
 * The text without the notes for `key`; every other byte stays where it was.
 *
 * @example
 * removePendingSeed('A=1\n# get-db: seed pending for DATABASE_URL: a.sql\nDATABASE_URL=x\n', 'DATABASE_URL');
 * // 'A=1\nDATABASE_URL=x\n'
 */
export function removePendingSeed(text: string, key: string): string {
  let out = '';
  let cursor = 0;
  for (const { line, start } of commentLines(text)) {
    if (!isSeedPendingLine(line, key)) continue;
    out += text.slice(cursor, start);
    cursor = start + line.length;
  }
  return out + text.slice(cursor);
}
