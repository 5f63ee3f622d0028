/** A state record as the Instagres API shows it (docs: "Response fields"). Pure. */
import type { InstagresDatabase } from '../../types.js';
import type { DatabaseRecord } from '../state/store.js';

export interface PublicEndpoint {
  /** host[:port] clients connect to. */
  host: string;
  /** `require` when the cluster speaks TLS, `disable` when it does not. */
  sslmode: 'require' | 'disable';
  /** Base URL of this server as clients reach it (claim links). */
  publicUrl: string;
}

/** Derived from the admin URL unless the operator said otherwise (--public-host). */
export function publicEndpointFor(adminUrl: string, publicHost: string | undefined, publicUrl: string): PublicEndpoint {
  const admin = new URL(adminUrl);
  const sslmode = admin.searchParams.get('sslmode');
  return {
    host: publicHost ?? admin.host,
    sslmode: sslmode === null || sslmode === 'disable' ? 'disable' : 'require',
    publicUrl,
  };
}

/**
 * Where a database's connection string points: its server's public host.
 *
 * @example
 * const endpoint = endpointOf(ctx, record);
 */
export function endpointOf(ctx: { servers: { of(key: string | null): { endpoint: PublicEndpoint } | undefined }; endpoint: PublicEndpoint }, record: Pick<DatabaseRecord, 'server'>): PublicEndpoint {
  return ctx.servers.of(record.server)?.endpoint ?? ctx.endpoint;
}

export function connectionString(record: Pick<DatabaseRecord, 'name'>, password: string, endpoint: PublicEndpoint): string {
  const user = encodeURIComponent(record.name);
  return `postgresql://${user}:${encodeURIComponent(password)}@${endpoint.host}/${user}?sslmode=${endpoint.sslmode}`;
}

export const claimUrlFor = (id: string, endpoint: PublicEndpoint) => `${endpoint.publicUrl}/claim/${id}`;

/** The docs type `expires_at` as a string; once claimed there is no expiry to give. */
export type DatabaseView = Omit<InstagresDatabase, 'expires_at'> & { expires_at: string | null };

export function databaseView(record: DatabaseRecord, endpoint: PublicEndpoint): DatabaseView {
  const served = record.state === 'UNCLAIMED' && record.password !== null;
  return {
    id: record.id,
    status: record.state === 'CLAIMED' ? 'CLAIMED' : 'UNCLAIMED',
    neon_project_id: record.name,
    connection_string: served ? connectionString(record, record.password!, endpoint) : null,
    claim_url: claimUrlFor(record.id, endpoint),
    expires_at: record.expiresAt?.toISOString() ?? null,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
