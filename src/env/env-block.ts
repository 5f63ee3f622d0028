/**
 * The lines get-db writes into an env file, and the one quoting rule that makes every reader
 * agree on a value: POSIX sh (`set -a; . ./.env`), dotenv.parse, Vite's loadEnv (dotenv +
 * dotenv-expand) and `node --env-file`. Pure.
 */
import { GetDbError } from '../errors.js';
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
}

/**
 * The lines get-db writes, in order: two comments, the note when a seed is pending, the values.
 *
 * @example
 * formatEnvBlock({ key: 'DATABASE_URL', prefix: 'PUBLIC_', databaseUrl, databaseUrlDirect, claimUrl, expiresAt });
 */
export function formatEnvBlock(v: EnvBlockValues): string[] {
  return [
    `# Claimable DB expires at: ${v.expiresAt.toUTCString()}`,
    `# Claim it now to your account: ${v.claimUrl}`,
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
