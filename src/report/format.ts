/** Small pure formatters shared by the human and JSON reports. */
import { isAbsolute, relative } from 'node:path';

/** Relative to `from` when inside it (how users name their files); absolute otherwise. */
export function displayPath(file: string, from: string): string {
  const rel = relative(from, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/**
 * A path as one shell word: bare when it is plain; "double-quoted" when it only has spaces,
 * Windows' backslashes and the like (read the same by sh, cmd and PowerShell); 'single-quoted'
 * when sh would change it inside double quotes ($, backquote, ", !, a doubled or final
 * backslash).
 * @example
 * shellArg('.env.local') // '.env.local'
 * shellArg('my env/.env') // '"my env/.env"'
 * shellArg("/tmp/$HOME's.env") // `'/tmp/$HOME'\''s.env'`
 */
export function shellArg(path: string): string {
  if (/^[\w./:@+=,-]+$/.test(path)) return path;
  if (!/[$`"!]|\\\\|\\$/.test(path)) return `"${path}"`;
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * `npx get-db <command>` for this env file: `-e` only when it is not the default `./.env`,
 * named as the user would (relative to `cwd` when inside it).
 * @example
 * getDbCommand('claim', '/app/.env.local', '/app') // 'npx get-db claim -e .env.local'
 */
export function getDbCommand(command: string, envFile: string, cwd: string): string {
  const env = relative(cwd, envFile) === '.env' ? '' : ` -e ${shellArg(displayPath(envFile, cwd))}`;
  return `npx get-db${command ? ` ${command}` : ''}${env}`;
}

/**
 * The env file as sh's `.` needs it: a relative path starts with ./ (else `.` searches PATH).
 * @example
 * sourcePath('/app/.env', '/app') // './.env'
 */
export function sourcePath(envFile: string, cwd: string): string {
  const shown = displayPath(envFile, cwd).replaceAll('\\', '/');
  return shellArg(isAbsolute(shown) || /^[A-Za-z]:\//.test(shown) ? shown : `./${shown}`);
}

/** The URL with its password replaced by ****: the password lives in the env file only. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)([^@/?#]*)@/i, (_, head: string) => `${head}****@`);
}

/** "71h 59m", "12m", "less than a minute", or "expired". */
export function formatTimeLeft(ms: number): string {
  if (ms <= 0) return 'expired';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h ${rest}m`;
}

/**
 * How long ago `expiresAt` passed, as "2h 5m" or "less than a minute"; undefined while it
 * is still ahead.
 * @example
 * expiredAgo(new Date('2026-02-01T10:00:00Z'), new Date('2026-02-01T12:05:00Z')) // '2h 5m'
 */
export function expiredAgo(expiresAt: Date, now: Date): string | undefined {
  const past = now.getTime() - expiresAt.getTime();
  return past >= 0 ? formatTimeLeft(Math.max(past, 1)) : undefined;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/**
 * A local wall-clock time the user can read, with its offset from UTC. Built from Date's
 * local getters, not Intl: setting up Intl.DateTimeFormat costs ~10–40 ms of every create's
 * start-up, and the output is the same in every locale (as the .env comment is).
 * @example
 * formatLocalTime(new Date('2026-02-01T12:00:00Z')) // 'Sun, 01 Feb 2026 13:00 UTC+01:00' in Berlin, '… 12:00 UTC' in London in winter
 */
export function formatLocalTime(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const zone = offset === 0 ? 'UTC' : `UTC${offset > 0 ? '+' : '-'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
  const day = `${WEEKDAYS[date.getDay()]}, ${two(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()}`;
  return `${day} ${two(date.getHours())}:${two(date.getMinutes())} ${zone}`;
}

/**
 * A count with thousands separators, the same everywhere (no Intl at start-up).
 * @example
 * formatCount(1234567) // '1,234,567'
 */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * "1 statement", "2 statements", "1,000 rows".
 * @example
 * plural(1, 'statement') // '1 statement'
 */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
