/** Reading back what get-db wrote: the claim URL and connection string in an env file. */
import { parse } from 'dotenv';
import { GetDbError } from '../errors.js';
import { readEnvFile } from '../env/env-file.js';
import { validatePrefix } from '../plan/validate.js';
import { databaseIdFromClaimUrl } from '../provision/api.js';
import { toDirectUrl } from '../provision/direct-url.js';
import { claimUrlKey, directKey } from './keys.js';

// Newest first: names earlier versions of the tools wrote.
const CLAIM_URL_SUFFIXES = ['INSTAGRES_CLAIM_URL', 'POSTGRES_CLAIM_URL', 'NEON_LAUNCHPAD_CLAIM_URL'];

/** The env file's text; ENV_READ_FAILED when there is none. */
async function readProjectText(envFile: string): Promise<string> {
  const text = await readEnvFile(envFile);
  if (text === undefined) {
    throw new GetDbError('ENV_READ_FAILED', `There is no env file at ${envFile}.`, {
      hint: 'Run npx get-db first, or point to your file with -e <path>.',
    });
  }
  return text;
}

/**
 * The env file's variables, as dotenv reads them; ENV_READ_FAILED when there is no file.
 * @example
 * const vars = await readProjectEnv('/app/.env'); // { DATABASE_URL: 'postgresql://…', … }
 */
export async function readProjectEnv(envFile: string): Promise<Record<string, string>> {
  return parse(await readProjectText(envFile));
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

/** A database as get-db's block in an env file describes it. */
export interface DatabaseInFile {
  id: string;
  databaseUrl: string;
  databaseUrlDirect: string;
  claimUrl: string;
  expiresAt: Date;
}

/**
 * The database in `key`, read from get-db's block (the expiry to the second, as written);
 * when a part is missing, what it is, for the caller's message.
 *
 * @example
 * const found = readDatabaseInFile(text, 'DATABASE_URL', 'PUBLIC_');
 * if (typeof found === 'string') throw new Error(`${found} is missing`);
 */
export function readDatabaseInFile(text: string, key: string, prefix: string): DatabaseInFile | string {
  const vars = parse(text);
  const databaseUrl = vars[key];
  if (!databaseUrl) return `a value for ${key}`;
  let claimUrl: string;
  try {
    claimUrl = findClaimUrl(vars, prefix).url;
  } catch {
    return 'its claim URL';
  }
  const expiresAt = findClaimExpiry(text, claimUrl);
  if (!expiresAt) return 'the "# Claimable DB expires at" comment';
  const id = databaseIdFromClaimUrl(claimUrl);
  return { id, databaseUrl, databaseUrlDirect: findDatabaseUrl(vars, key).url, claimUrl, expiresAt };
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

// get-db's claim comment, and the notes that follow it in the same block.
const CLAIM_AND_NOTES = /^# Claim it now to your account: (\S+)\r?\n((?:# get-db: [^\r\n]*(?:\r?\n|$))*)/gm;

/**
 * The API recorded in the block of this claim URL (`# get-db: api …`), if any: written for a
 * database made by a server other than Instagres.
 *
 * @example
 * findRecordedApi(text, 'http://127.0.0.1:3000/claim/0190…'); // 'http://127.0.0.1:3000/api/v1'
 */
export function findRecordedApi(text: string, claimUrl: string): string | undefined {
  let found: string | undefined;
  for (const [, url, notes] of text.matchAll(CLAIM_AND_NOTES)) {
    if (url !== claimUrl) continue;
    found = /^# get-db: api (\S+)/m.exec(notes ?? '')?.[1];
  }
  return found;
}

/** What `claim` and `status` start from. */
export interface DatabaseRef {
  claimUrl: string;
  /** The API the env file says made it; undefined for Instagres (or a file from before it was recorded). */
  apiUrl: string | undefined;
}

/**
 * The env file's claim URL, which must be a web page, and the API that made it.
 *
 * @example
 * const { claimUrl, apiUrl } = await readDatabaseRef('/app/.env.local'); // 'https://instagres.com/claim/…', undefined
 */
export async function readDatabaseRef(envFile: string, prefix?: string): Promise<DatabaseRef> {
  if (prefix !== undefined) validatePrefix(prefix);
  const text = await readProjectText(envFile);
  const { url } = findClaimUrl(parse(text), prefix, envFile);
  requireHttpUrl(url, 'claim URL');
  return { claimUrl: url, apiUrl: findRecordedApi(text, url) };
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
