/**
 * The lines get-db writes into an env file, and the one quoting rule that makes every reader
 * agree on a value: POSIX sh (`set -a; . ./.env`), dotenv.parse, Vite's loadEnv (dotenv +
 * dotenv-expand) and `node --env-file`. Pure.
 */
import { GetDbError } from '../errors.js';
import { findAssignments, splitLines } from './env-lines.js';
import { seedPendingLine } from './seed-pending.js';

export interface EnvBlockValues {
  key: string;
  prefix: string;
  databaseUrl: string;
  databaseUrlDirect: string;
  claimUrl: string;
  expiresAt: Date;
  /** Seed files still to apply: adds the "seed pending" note, removed once the seed commits. */
  seedPending?: string[];
  /** The API that made the database, when it is not Instagres: `status` and `claim` ask it. */
  apiUrl?: string;
}

const API_LINE = '# get-db: api ';

/**
 * The comment that records a database's API, so later commands ask the server that made it.
 * @example
 * apiLine('http://127.0.0.1:3000/api/v1'); // '# get-db: api http://127.0.0.1:3000/api/v1'
 */
export function apiLine(apiUrl: string): string {
  return `${API_LINE}${apiUrl}`;
}

export interface BlockFacts {
  expiresAt: Date;
  claimUrl: string;
  /** Recorded only for an API other than Instagres. */
  apiUrl: string | undefined;
}

const line = (raw: string) => raw.replace(/\r?\n$|\r$/, '');

/**
 * What get-db's own block says about the database in `key`: the comment lines right above
 * the key's last assignment, as formatEnvBlock wrote them. Undefined when the assignment is
 * not get-db's (no such comments: a value the user typed or pasted).
 *
 * @example
 * readBlockFacts(text, 'DATABASE_URL'); // { expiresAt: Date, claimUrl: 'https://…/claim/…', apiUrl: undefined }
 */
export function readBlockFacts(text: string, key: string): BlockFacts | undefined {
  const entry = findAssignments(text, key).at(-1);
  if (!entry) return undefined;
  const above = splitLines(text.slice(0, entry.start)).map(line);
  let apiUrl: string | undefined;
  while (above.length > 0 && above.at(-1)!.startsWith('# get-db: ')) {
    const note = above.pop()!;
    if (note.startsWith(API_LINE)) apiUrl = note.slice(API_LINE.length).trim();
  }
  const claim = /^# Claim it now to your account: (\S+)$/.exec(above.pop() ?? '');
  const expires = /^# Claimable DB expires at: (.+)$/.exec(above.pop() ?? '');
  if (!claim || !expires) return undefined;
  const expiresAt = new Date(expires[1]!);
  if (Number.isNaN(expiresAt.getTime())) return undefined;
  return { expiresAt, claimUrl: claim[1]!, apiUrl: apiUrl || undefined };
}

/**
 * The lines get-db writes, in order: two comments, the API when it is not Instagres, the note
 * when a seed is pending, the values.
 *
 * @example
 * formatEnvBlock({ key: 'DATABASE_URL', prefix: 'PUBLIC_', databaseUrl, databaseUrlDirect, claimUrl, expiresAt });
 */
export function formatEnvBlock(v: EnvBlockValues): string[] {
  return [
    `# Claimable DB expires at: ${v.expiresAt.toUTCString()}`,
    `# Claim it now to your account: ${v.claimUrl}`,
    ...(v.apiUrl ? [apiLine(v.apiUrl)] : []),
    ...(v.seedPending?.length ? [seedPendingLine(v.key, v.seedPending)] : []),
    `${v.key}=${quoteEnvValue(v.databaseUrl)}`,
    `${v.key}_DIRECT=${quoteEnvValue(v.databaseUrlDirect)}`,
    `${v.prefix}INSTAGRES_CLAIM_URL=${quoteEnvValue(v.claimUrl)}`,
  ];
}

// Vite's dotenv-expand rewrites `${…}`, `$NAME` and `\$` even inside single quotes.
const EXPANDED_BY_VITE = /\$[{A-Za-z_]|\\\$/;
const LINE_BREAK = /[\r\n]/;

/**
 * Single quotes: sh, dotenv and node keep `&`, `?`, `#`, `\` and spaces literally inside them.
 * A value holding `'` gets double quotes, which all four read literally as long as there is no
 * `"`, `$`, backquote or backslash. Anything else has no form all four agree on: we refuse it
 * rather than write a value one of them would read differently.
 */
export function quoteEnvValue(value: string): string {
  const portable = !LINE_BREAK.test(value) && !EXPANDED_BY_VITE.test(value);
  // A trailing backslash would turn the closing quote into dotenv's `\'` escape.
  if (portable && !value.includes("'") && !value.endsWith('\\')) return `'${value}'`;
  if (portable && !/["$`\\]/.test(value)) return `"${value}"`;
  throw new GetDbError('ENV_WRITE_FAILED', 'A value holds characters that sh, dotenv, Vite and node --env-file would read differently.', {
    hint: 'Values may not contain line breaks, `$NAME`/`${…}`/`\\$`, or both a quote and one of " $ ` \\.',
    details: { value },
  });
}
