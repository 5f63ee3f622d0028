/**
 * Putting get-db's block into an env file the user owns. Lines that assign one of our keys
 * are the only ones we touch; every other byte (comments, blank lines, CRLF, BOM, `export`,
 * quoted and multi-line values, a missing final newline) comes out exactly as it went in. Pure.
 */
import { parse } from 'dotenv';
import { GetDbError } from '../errors.js';
import { envKeysFor } from '../engine/keys.js';
import { removePendingSeed } from './seed-pending.js';
import { detectEol, findAssignments, parseEnvEntries, splitLines, type EnvEntry } from './env-lines.js';

export interface ApplyEnvBlockOptions {
  key: string;
  prefix: string;
  block: string[];
  /** Comment out earlier assignments of our keys (`--force`) instead of just appending. */
  replace: boolean;
  now: Date;
}

const BOM = '\uFEFF';
// The comment lines formatEnvBlock writes above the values (the API and seed notes included).
const OUR_COMMENT = /^# (?:(?:Claimable DB expires at|Claim it now to your account|get-db: seed pending for [\w.-]+): |get-db: api ).*(?:\r\n|\r|\n)?$/;

export function hasKey(text: string, key: string): boolean {
  return findAssignments(text, key).length > 0;
}

export function applyEnvBlock(text: string, opts: ApplyEnvBlockOptions): string {
  const ours = new Set(envKeysFor(opts.key, opts.prefix));
  // A new block is a new database: an older note about the key's seed no longer applies.
  const base = removePendingSeed(text, opts.key);
  const owned = opts.replace ? parseEnvEntries(base).filter((entry) => ours.has(entry.key)) : [];
  const next = owned.length === 0 ? appendBlock(base, opts.block) : replaceEntries(base, owned, opts);
  assertReadsBack(text, next, opts.block, ours);
  return next;
}

/** At the end: finish an unterminated last line, leave one blank line, then our lines. */
function appendBlock(text: string, block: string[]): string {
  const eol = detectEol(text);
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  const separator = body === '' ? '' : /[\r\n]$/.test(body) ? eol : eol + eol;
  return text + separator + block.join(eol) + eol;
}

/**
 * Each old assignment becomes comments (every physical line of it); our earlier comment lines
 * just above one are dropped. The new block goes right after the first run of old assignments
 * (usually our previous block), so it stays where the user chose to keep it in the file and
 * reads as "old lines, then new lines".
 */
function replaceEntries(text: string, owned: EnvEntry[], opts: ApplyEnvBlockOptions): string {
  const eol = detectEol(text);
  const marker = `# replaced by get-db on ${opts.now.toISOString().slice(0, 10)}: `;
  const blockAfter = endOfFirstRun(text, owned);
  let result = '';
  let cursor = 0;
  owned.forEach((entry, index) => {
    result += dropOurComments(text.slice(cursor, entry.start));
    result += commentOut(text.slice(entry.start, entry.end), marker, eol);
    if (index === blockAfter) result += opts.block.join(eol) + eol;
    cursor = entry.end;
  });
  return result + text.slice(cursor);
}

/** Index of the last old assignment that follows the first one with nothing of the user's between. */
function endOfFirstRun(text: string, owned: EnvEntry[]): number {
  let last = 0;
  while (last + 1 < owned.length && dropOurComments(text.slice(owned[last]!.end, owned[last + 1]!.start)) === '') last++;
  return last;
}

function commentOut(entryText: string, marker: string, eol: string): string {
  const lines = splitLines(entryText).map((line, index) => (index === 0 ? marker : '# ') + line);
  const last = lines.length - 1;
  // The entry may have been the file's unterminated last line; the block follows it.
  if (!/[\r\n]$/.test(lines[last]!)) lines[last] += eol;
  return lines.join('');
}

/** Removes our own "expires at" / "Claim it now" lines when they end the text right above an old assignment. */
function dropOurComments(before: string): string {
  const lines = splitLines(before);
  while (lines.length > 0 && OUR_COMMENT.test(lines[lines.length - 1]!)) lines.pop();
  return lines.join('');
}

/**
 * The edit must not change how dotenv reads the file beyond our keys (an unclosed quote
 * elsewhere could swallow our lines): check rather than write a file that reads differently.
 */
function assertReadsBack(before: string, after: string, block: string[], ours: Set<string>): void {
  const old = parse(before);
  const now = parse(after);
  const expected = parse(block.join('\n'));
  const changed = [...new Set([...Object.keys(old), ...Object.keys(now)])].find((key) =>
    ours.has(key) ? now[key] !== expected[key] : now[key] !== old[key],
  );
  if (changed !== undefined) {
    throw new GetDbError('ENV_WRITE_FAILED', `Adding the database to the env file would change how ${changed} reads, so it was left as it is.`, {
      hint: 'Look for an unclosed quote in the env file, fix it, then run again.',
      details: { key: changed },
    });
  }
}
