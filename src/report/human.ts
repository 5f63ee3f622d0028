/** The human summaries (stderr). Pure: they return lines; the CLI prints them. */
import type { Colors } from 'picocolors/types.js';
import type { CreatedDatabase, ResumedSeed, SkippedCreate } from '../engine/create.js';
import type { SeedSummary } from '../seed/types.js';
import { directKey } from '../engine/keys.js';
import { displayPath, expiredAgo, formatDuration, formatLocalTime, formatTimeLeft, getDbCommand, maskPassword, plural, sourcePath } from './format.js';

export interface SummaryContext {
  cwd: string;
  now: Date;
  colors: Colors;
}

/**
 * "12 statements, 1,000 rows copied in 84 ms".
 * @example
 * seedLine({ statements: 1, rowsCopied: 0, files: 1, durationMs: 84, skipped: 0 }) // '1 statement in 84 ms'
 */
export function seedLine(seed: SeedSummary): string {
  const rows = seed.rowsCopied > 0 ? `, ${plural(seed.rowsCopied, 'row')} copied` : '';
  const skipped = seed.skipped > 0 ? ` (${seed.skipped} skipped, see above)` : '';
  return `${plural(seed.statements, 'statement')}${rows}${skipped} in ${formatDuration(seed.durationMs)}`;
}

/**
 * The expiry as local time and time left, or plainly past when the server's answer is.
 * @example
 * expiryLine(inThreeDays, now) // 'Mon, 30 Nov 2026 16:04 UTC (71h 59m left)'
 * expiryLine(twoHoursAgo, now) // 'Fri, 27 Nov 2026 14:04 UTC: expired 2h ago, by this computer's clock (the server's clock or answer is off)'
 */
export function expiryLine(expiresAt: Date, now: Date): string {
  const ago = expiredAgo(expiresAt, now);
  const when = formatLocalTime(expiresAt);
  if (ago !== undefined) return `${when}: expired ${ago} ago, by this computer's clock (the server's clock or answer is off)`;
  return `${when} (${formatTimeLeft(expiresAt.getTime() - now.getTime())} left)`;
}

function readyNote(outcome: CreatedDatabase, file: string): string {
  if (outcome.reason === 'expired') return ` (the one in ${file} had expired and is gone; its lines are kept as comments)`;
  return outcome.replaced ? ' (previous values kept as comments)' : '';
}

/**
 * The key is already set: which file sets it, and how to replace it there.
 * @example
 * skippedSummary(outcome, '/app/.env', ctx) // ['● DATABASE_URL is already set in .env.local; …', '  Use --force -e .env.local …']
 */
export function skippedSummary(outcome: SkippedCreate, target: string, ctx: SummaryContext): string[] {
  const { colors: c } = ctx;
  const file = displayPath(outcome.envFile, ctx.cwd);
  const how = outcome.envFile === target ? 'Use --force to replace it' : `Your framework reads it there; to replace it: ${getDbCommand('--force', outcome.envFile, ctx.cwd)}`;
  return [
    `${c.yellow('●')} ${outcome.key} is already set in ${file}; left it as it is and created no database.`,
    c.dim(`  ${how} (the old lines stay as comments).`),
  ];
}

/**
 * Another run on the same env file made the database while this one waited: that one is it.
 * @example
 * anotherRunSummary(outcome, ctx) // ['✔ Another get-db run wrote the database into .env while this one waited; no other was made', …]
 */
export function anotherRunSummary(outcome: SkippedCreate, ctx: SummaryContext): string[] {
  const { colors: c } = ctx;
  const label = (text: string) => c.dim(text.padEnd(9));
  const lines = [`${c.green('✔')} Another get-db run wrote the database into ${displayPath(outcome.envFile, ctx.cwd)} while this one waited; no other was made`];
  const db = outcome.database;
  if (db) lines.push(`  ${label('Database')}${db.id}`, `  ${label('Expires')}${expiryLine(db.expiresAt, ctx.now)}`, `  ${label('Claim')}${c.cyan(db.claimUrl)}`);
  return lines;
}

export function createdSummary(outcome: CreatedDatabase, ctx: SummaryContext): string[] {
  const { colors: c } = ctx;
  const file = displayPath(outcome.envFile, ctx.cwd);
  const label = (text: string) => c.dim(text.padEnd(9));
  const lines = [
    `${c.green('✔')} Database ready${readyNote(outcome, file)}`,
    `  ${label('File')}${file}  ${c.dim(outcome.keysWritten.join(', '))}`,
    `  ${label('URL')}${maskPassword(outcome.databaseUrl)}`,
    `  ${label('Expires')}${expiryLine(outcome.expiresAt, ctx.now)}`,
    `  ${label('Claim')}${c.cyan(outcome.claimUrl)}`,
  ];
  if (outcome.seed) lines.push(`  ${label('Seeded')}${seedLine(outcome.seed)}`);
  if (outcome.gitignoreAdded) lines.push(`  ${label('Git')}added ${file} to ${displayPath(outcome.gitignoreAdded, ctx.cwd)}`);
  lines.push(
    '',
    `  Connect:  ${c.bold(`psql "$${directKey(outcome.keysWritten[0] ?? 'DATABASE_URL')}"`)}  ${c.dim(`(after: set -a; . ${sourcePath(outcome.envFile, ctx.cwd)}; set +a)`)}`,
    `  Keep it:  ${c.bold(getDbCommand('claim', outcome.envFile, ctx.cwd))}  ${c.dim('(unclaimed, it is deleted when it expires)')}`,
  );
  return lines;
}

/**
 * After a re-run finished a seed that had not committed: the same database, now seeded.
 *
 * @example
 * for (const line of resumedSummary(outcome, { cwd, now: new Date(), colors })) console.error(line);
 */
export function resumedSummary(outcome: ResumedSeed, ctx: SummaryContext): string[] {
  const { colors: c } = ctx;
  const label = (text: string) => c.dim(text.padEnd(9));
  return [
    `${c.green('✔')} Seeded the database already in ${displayPath(outcome.envFile, ctx.cwd)} (its seed had not finished; no new database was made)`,
    `  ${label('Database')}${outcome.id}`,
    `  ${label('Seeded')}${seedLine(outcome.seed)}`,
    `  ${label('Expires')}${expiryLine(outcome.expiresAt, ctx.now)}`,
    `  ${label('Claim')}${c.cyan(outcome.claimUrl)}`,
  ];
}
