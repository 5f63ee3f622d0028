/**
 * Checks that an API answer is the database the docs describe before anyone relies on it:
 * a half-formed answer must fail here, not later as a corrupted .env.
 */
import type { InstagresDatabase } from '../types.js';
import { unexpectedResponse } from './api-errors.js';

const STATUSES = new Set(['UNCLAIMED', 'CLAIMING', 'CLAIMED']);

const isHttpUrl = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

const isPostgresUrl = (value: unknown): value is string =>
  typeof value === 'string' && /^postgres(ql)?:\/\/[^\s]+$/.test(value);

const isDate = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/**
 * `fresh` is a create answer: it must carry a usable connection string and an expiry. A
 * later GET may have neither (claimed databases keep no expiry and serve no string).
 */
export function readDatabase(body: unknown, host: string, status: number, fresh: boolean): InstagresDatabase {
  const problem = (why: string) => unexpectedResponse(host, status, why);
  if (typeof body !== 'object' || body === null) throw problem('no JSON object');
  const db = body as Record<string, unknown>;
  if (typeof db.id !== 'string' || db.id === '') throw problem('no "id"');
  if (typeof db.status !== 'string' || !STATUSES.has(db.status)) throw problem('no valid "status"');
  if (!isHttpUrl(db.claim_url)) throw problem('no http(s) "claim_url"');
  const connection = db.connection_string;
  if (fresh ? !isPostgresUrl(connection) : connection !== null && connection !== undefined && !isPostgresUrl(connection)) {
    throw problem('no postgres:// "connection_string"');
  }
  if (fresh ? !isDate(db.expires_at) : db.expires_at != null && !isDate(db.expires_at)) throw problem('no valid "expires_at"');
  return {
    id: db.id,
    status: db.status as InstagresDatabase['status'],
    neon_project_id: typeof db.neon_project_id === 'string' ? db.neon_project_id : '',
    connection_string: typeof connection === 'string' ? connection : null,
    claim_url: db.claim_url,
    expires_at: typeof db.expires_at === 'string' ? db.expires_at : '',
    created_at: typeof db.created_at === 'string' ? db.created_at : '',
    updated_at: typeof db.updated_at === 'string' ? db.updated_at : '',
  };
}
