/** The two calls of the Instagres API (docs: "API"), with their answers checked. */
import { GetDbError } from '../errors.js';
import type { InstagresDatabase } from '../types.js';
import { requestJson } from './http.js';
import { readDatabase } from './response-shape.js';

export interface ApiCallOptions {
  /** Base URL ending in /api/v1 (a trailing slash is fine). */
  apiUrl: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
}

export interface CreateDatabaseOptions extends ApiCallOptions {
  referrer: string;
  logicalReplication?: boolean;
}

const endpoint = (apiUrl: string, path: string) => `${apiUrl.replace(/\/+$/, '')}${path}`;


/** POST /database: a new claimable database. */
export async function createDatabase(options: CreateDatabaseOptions): Promise<InstagresDatabase> {
  const url = endpoint(options.apiUrl, '/database');
  // The flag is sent only when asked, exactly as the docs' request example.
  const body = options.logicalReplication ? { ref: options.referrer, enable_logical_replication: true } : { ref: options.referrer };
  const response = await requestJson({ ...options, method: 'POST', url, body });
  return readDatabase(response.body, new URL(url).host, response.status, true);
}

/** GET /database/:id. "Database not found" (unknown or expired id) becomes NOT_FOUND. */
export async function getDatabase(options: ApiCallOptions & { id: string }): Promise<InstagresDatabase> {
  const url = endpoint(options.apiUrl, `/database/${encodeURIComponent(options.id)}`);
  try {
    const response = await requestJson({ ...options, method: 'GET', url });
    return readDatabase(response.body, new URL(url).host, response.status, false);
  } catch (error) {
    if (error instanceof GetDbError && error.code === 'API_ERROR' && /not found/i.test(error.message)) {
      throw new GetDbError('NOT_FOUND', error.message, { hint: error.hint, details: { ...error.details, id: options.id }, cause: error });
    }
    throw error;
  }
}

/** The database id is the claim URL's last path segment (https://…/claim/<id>). */
export function databaseIdFromClaimUrl(claimUrl: string): string {
  let segments: string[] = [];
  try {
    segments = new URL(claimUrl).pathname.split('/').filter((part) => part !== '');
  } catch {
    // fall through to the error below
  }
  const id = segments.at(-1);
  if (id === undefined) {
    throw new GetDbError('NO_CLAIM_URL', `"${claimUrl}" is not a claim URL (expected https://…/claim/<id>).`);
  }
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

/**
 * Is this Instagres itself (whose claimed databases live in a Neon account), rather than an
 * Instagres-compatible server such as `get-db serve`? Only then do messages name Neon.
 *
 * @example
 * isInstagres('https://instagres.com/api/v1'); // true
 * isInstagres('http://127.0.0.1:3000/api/v1'); // false
 */
export function isInstagres(apiUrl: string): boolean {
  try {
    const host = new URL(apiUrl).hostname;
    return ['instagres.com', 'neon.new'].some((known) => host === known || host.endsWith(`.${known}`));
  } catch {
    return false;
  }
}
