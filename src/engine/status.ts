/** What the API says now about the database a claim URL points to. */
import { getDatabase, databaseIdFromClaimUrl } from '../provision/api.js';
import type { InstagresDatabase } from '../types.js';

export interface DatabaseStatus {
  id: string;
  status: InstagresDatabase['status'];
  expiresAt: Date | undefined;
  connectionStringServed: boolean;
  claimUrl: string;
}

export async function fetchStatus(opts: { apiUrl: string; claimUrl: string; signal?: AbortSignal }): Promise<DatabaseStatus> {
  const id = databaseIdFromClaimUrl(opts.claimUrl);
  const database = await getDatabase({ apiUrl: opts.apiUrl, id, signal: opts.signal });
  const expires = database.expires_at ? new Date(database.expires_at) : undefined;
  return {
    id: database.id,
    status: database.status,
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
    connectionStringServed: typeof database.connection_string === 'string' && database.connection_string !== '',
    claimUrl: database.claim_url || opts.claimUrl,
  };
}
