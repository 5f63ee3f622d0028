/**
 * What the plugin says in the dev server's log. One line per fact, tagged [get-db];
 * never a password (the connection string lives in the env file only).
 */
import type { Logger } from 'vite';
import type { GetDbError } from '../errors.js';
import { formatTimeLeft } from '../report/format.js';
import { inOptionWords } from '../option-words.js';

export type PluginLog = Pick<Logger, 'info' | 'warn' | 'error'>;

export function tagged(logger: PluginLog): PluginLog {
  return {
    info: (msg, options) => logger.info(`[get-db] ${msg}`, options),
    warn: (msg, options) => logger.warn(`[get-db] ${msg}`, options),
    error: (msg, options) => logger.error(`[get-db] ${msg}`, options),
  };
}

export function remindToClaim(log: PluginLog, claimUrl: string, expiresAt: Date | undefined, now = new Date()): void {
  if (!expiresAt) return log.info(`Claim your database to keep it beyond 72 hours: ${claimUrl}`);
  const left = expiresAt.getTime() - now.getTime();
  if (left > 0) return log.info(`Database expires in ${formatTimeLeft(left)} unless you claim it: ${claimUrl}`);
  log.warn(`The claim window ended ${expiresAt.toUTCString()}; unless you claimed it, the database is gone (delete its lines from your env file for a new one): ${claimUrl}`);
}

export interface FailureContext {
  key: string;
  /** As displayPath shows it. */
  envFile: string;
  /** Names Neon's console only for Instagres; a compatible server's claim page shows the URL once. */
  instagres: boolean;
}

// The library's own wording (errors reach the plugin in option words already): here the
// options go to the plugin.
const PLUGIN_WORDING: ReadonlyArray<readonly [RegExp, string]> = [
  [/instantPostgres\(\{/g, 'postgres({'],
  [/instantPostgres needs/g, 'The plugin needs'],
];

/**
 * A message worded for plugin users: `--api-url` reads `apiUrl`, `--ref my-app` reads
 * `referrer: 'my-app'`, `instantPostgres({` reads `postgres({`.
 * @example
 * inPluginWords('Is --api-url (or INSTAGRES_API_URL) …'); // 'Is apiUrl (or INSTAGRES_API_URL) …'
 */
export function inPluginWords(text: string): string {
  return PLUGIN_WORDING.reduce((out, [pattern, words]) => out.replace(pattern, words), inOptionWords(text));
}

/** One clear line, then what to do. The dev server starts either way. */
export function reportFailure(log: PluginLog, raw: GetDbError, ctx: FailureContext): void {
  const { key, envFile, instagres } = ctx;
  const error = { code: raw.code, details: raw.details, message: inPluginWords(raw.message), hint: raw.hint === undefined ? undefined : inPluginWords(raw.hint) };
  switch (error.code) {
    case 'KEY_EXISTS':
      log.error(`${key} is assigned in ${envFile} but reads as empty; no database was created.`);
      log.info(`Give it a value, or delete the line and restart the dev server to get a new database.`);
      return;
    case 'ENV_WRITE_FAILED':
      log.error(`A database was created, but ${envFile} could not be written: ${error.message}`);
      const where = instagres ? 'the Neon console then shows its connection string' : 'the claim page then shows its connection string once';
      log.info(`This dev session uses it; the next start creates another. To keep it, claim it (${where}): ${String(error.details?.claimUrl ?? '')}`);
      return;
    case 'SEED_FAILED':
    case 'SEED_UNSUPPORTED':
      // Refused by the pre-scan, before any database was made: the default words fit.
      if (error.details?.databaseId === undefined) break;
      log.error(`Database ${String(error.details?.databaseId ?? '')} is in ${envFile}, but seeding it failed: ${error.message}`);
      if (error.hint) log.info(error.hint);
      log.info(`The next start of vite seeds it again (no new database); claim it to keep it: ${String(error.details?.claimUrl ?? '')}`);
      return;
  }
  log.error(`Could not create a database for ${key} (${error.code}): ${error.message}`);
  if (error.hint) log.info(error.hint);
  log.info(`The dev server starts without ${key}; restart the dev server to try again.`);
}
