/** Reading back what get-db wrote: the claim URL and connection string in an env file. */
import { parse } from 'dotenv';
import { GetDbError } from '../errors.js';
import { readEnvFile } from '../env/env-file.js';
import { validatePrefix } from '../plan/validate.js';
import { toDirectUrl } from '../provision/direct-url.js';
import { claimUrlKey, directKey } from './keys.js';

// Newest first: names earlier versions of the tools wrote.
const CLAIM_URL_SUFFIXES = ['INSTAGRES_CLAIM_URL', 'POSTGRES_CLAIM_URL', 'NEON_LAUNCHPAD_CLAIM_URL'];

export async function readProjectEnv(envFile: string): Promise<Record<string, string>> {
  const text = await readEnvFile(envFile);
  if (text === undefined) {
    throw new GetDbError('ENV_READ_FAILED', `There is no env file at ${envFile}.`, {
      hint: 'Run npx get-db first, or point to your file with -e <path>.',
    });
  }
  return parse(text);
}

/**
 * The claim URL's variable and value: `<prefix>INSTAGRES_CLAIM_URL` first, else any name an
 * Instagres tool writes. `envFile` names the file in the error when there is none.
 *
 * @example
 * const { url } = findClaimUrl(parse(text), 'PUBLIC_', '/app/.env');
 */
export function findClaimUrl(vars: Record<string, string>, prefix?: string, envFile?: string): { key: string; url: string } {
  const preferred = prefix === undefined ? undefined : claimUrlKey(prefix);
  const keys = Object.keys(vars).filter((k) => vars[k]);
  const key =
    (preferred && keys.includes(preferred) ? preferred : undefined) ??
    CLAIM_URL_SUFFIXES.map((suffix) => keys.find((k) => k.endsWith(suffix))).find(Boolean);
  if (!key) {
    throw new GetDbError('NO_CLAIM_URL', `No claim URL found in ${envFile ?? 'the env file'}.`, {
      hint: 'get-db writes it as PUBLIC_INSTAGRES_CLAIM_URL; was the database created with another --env file?',
    });
  }
  return { key, url: vars[key] as string };
}

// The two comment lines formatEnvBlock writes above the values, in that order.
const BLOCK_COMMENTS = /^# Claimable DB expires at: ([^\r\n]+)\r?\n# Claim it now to your account: (\S+)/gm;

/**
 * The expiry get-db wrote next to this claim URL, read from the file: no request, so it is
 * what the server said at creation (a claimed database keeps the comment but never expires).
 */
export function findClaimExpiry(text: string, claimUrl: string): Date | undefined {
  let found: Date | undefined;
  for (const [, when, url] of text.matchAll(BLOCK_COMMENTS)) {
    const date = new Date(when!);
    if (url === claimUrl && !Number.isNaN(date.getTime())) found = date;
  }
  return found;
}

/**
 * The direct URL: seeding through a pooler breaks session state. With only `key` in the
 * file (a URL pasted from Neon's console), its direct host is derived as at create.
 *
 * @example
 * findDatabaseUrl({ DATABASE_URL: 'postgresql://u:p@ep-x-pooler.neon.tech/db' }, 'DATABASE_URL'); // { key: 'DATABASE_URL', url: 'postgresql://u:p@ep-x.neon.tech/db' }
 */
export function findDatabaseUrl(vars: Record<string, string>, key: string): { key: string; url: string } {
  if (vars[directKey(key)]) return { key: directKey(key), url: vars[directKey(key)]! };
  if (vars[key]) return { key, url: toDirectUrl(vars[key]) };
  throw new GetDbError('NO_DATABASE_URL', `No ${key} in the env file.`, {
    hint: 'Run npx get-db first, or name the variable with -k and the file with -e.',
  });
}

/**
 * What `claim` and `status` start from: the env file's claim URL, which must be a web page.
 *
 * @example
 * const claimUrl = await readClaimUrl('/app/.env.local'); // 'https://instagres.com/claim/…'
 */
export async function readClaimUrl(envFile: string, prefix?: string): Promise<string> {
  if (prefix !== undefined) validatePrefix(prefix);
  const { url } = findClaimUrl(await readProjectEnv(envFile), prefix, envFile);
  requireHttpUrl(url, 'claim URL');
  return url;
}

/** Only web pages are opened or followed: never file:, javascript: or a custom scheme. */
export function requireHttpUrl(raw: string, what: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new GetDbError('NO_CLAIM_URL', `The ${what} is not an http(s) URL: ${raw}`);
  }
  return url;
}
