/** What every tool of `get-db mcp` starts from: the project's folder and the API. */
import { resolve } from 'node:path';
import { z } from '../sdk.js';
import { isInstagres } from '../../provision/api.js';
import { DEFAULT_ENV_FILE, DEFAULT_KEY } from '../../types.js';

export interface LocalContext {
  /** Where relative paths resolve (the project; `--project-dir`, else the working directory). */
  projectDir: string;
  /** `--api-url`; undefined: INSTAGRES_API_URL, else Instagres (as the CLI resolves it). */
  apiUrl: string | undefined;
}

/** The env-file fields every local tool takes. */
export const envInput = {
  env_file: z.string().optional().describe(`The env file, relative to the project (default ${DEFAULT_ENV_FILE}).`),
  key: z.string().optional().describe(`The variable holding the connection string (default ${DEFAULT_KEY}; <key>_DIRECT is written too).`),
};

export const prefixInput = {
  prefix: z.string().optional().describe('Prefix of the claim URL variable (<prefix>INSTAGRES_CLAIM_URL; default: from the framework in package.json, else PUBLIC_).'),
};

/**
 * The env file's absolute path.
 *
 * @example
 * envFileOf(ctx, input.env_file); // '/work/app/.env'
 */
export function envFileOf(ctx: LocalContext, envFile: string | undefined): string {
  return resolve(ctx.projectDir, envFile ?? DEFAULT_ENV_FILE);
}

/**
 * What claiming means with this API, for the agent to pass on: Instagres's, or another
 * server's (a `get-db serve`), whose claim page says what it keeps.
 *
 * @example
 * claimMeaning('https://instagres.com/api/v1'); // "Claiming moves it into the person's own Neon account…"
 */
export function claimMeaning(apiUrl: string): string {
  if (!isInstagres(apiUrl)) return 'Claiming keeps it past its expiry; the claim page says how.';
  return "Claiming moves it into the person's own Neon account (free; sign-in needed), where it no longer expires.";
}
