/**
 * Connection slots. Each role serve makes has a CONNECTION LIMIT, but those limits are not
 * what caps how many databases exist (idle ones hold no connection), so tenants together
 * may ask for more sessions than PostgreSQL has. What keeps serve working then:
 * - it holds its own sessions from start (pools.ts): a session held is one nobody takes;
 * - on PostgreSQL 16+, `reserved_connections` slots for roles in pg_use_reserved_connections
 *   (serve's admin) — the only slots a restart of serve or PostgreSQL is sure to find;
 * - the sweeper ends the newest tenant sessions past `--max-tenant-connections`, so the
 *   slots above that are free between sweeps.
 * On 14 and 15 only superusers have reserved slots (superuser_reserved_connections, 3 by default).
 */
import type { Queryable } from '../state/store.js';
import { StepFailed } from './step.js';
import { ADMIN_POOL_SIZE, QUICK_POOL_SIZE } from './pools.js';

/** Sessions one serve process holds on the state's server: its two pools, the watchdog, a short-lived one. */
export const SESSIONS_PER_SERVE = ADMIN_POOL_SIZE + QUICK_POOL_SIZE + 2;
/** Slots kept from tenants by default: one serve process and an operator's psql. */
const KEPT_FOR_SERVE = 20;

interface SlotFacts {
  max: number;
  superuserReserved: number;
  /** 16+; null before. */
  reserved: number | null;
  superuser: boolean;
  /** 16+: the admin may use `reserved`. */
  mayUseReserved: boolean;
  major: number;
}

async function slotFacts(db: Queryable): Promise<SlotFacts> {
  const { rows } = await db.query<SlotFacts>(
    `SELECT current_setting('max_connections')::int AS max,
       current_setting('superuser_reserved_connections')::int AS "superuserReserved",
       current_setting('reserved_connections', true)::int AS reserved,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       coalesce((SELECT pg_has_role(current_user, oid, 'USAGE') FROM pg_roles WHERE rolname = 'pg_use_reserved_connections'), false) AS "mayUseReserved",
       current_setting('server_version_num')::int / 10000 AS major`,
  );
  return rows[0]!;
}

function slotWarning(facts: SlotFacts, admin: string, where: string): string | undefined {
  if (facts.superuser) {
    const reserved = facts.superuserReserved + (facts.reserved ?? 0);
    if (reserved >= SESSIONS_PER_SERVE) return undefined;
    return (
      `Tenants may take every connection slot${where} but the ${reserved} reserved ones, fewer than the ${SESSIONS_PER_SERVE} sessions a serve process holds: ` +
      `a restart of serve or PostgreSQL could find too few. ALTER SYSTEM SET superuser_reserved_connections = ${SESSIONS_PER_SERVE}; then restart PostgreSQL.`
    );
  }
  if (facts.major >= 16) {
    if (facts.mayUseReserved && (facts.reserved ?? 0) >= SESSIONS_PER_SERVE) return undefined;
    return (
      `Tenants may take every connection slot${where}: serve keeps the sessions it holds, but a restart of serve or PostgreSQL could find none. ` +
      `Reserve slots for it (${SESSIONS_PER_SERVE} per serve process): ALTER SYSTEM SET reserved_connections = ${SESSIONS_PER_SERVE}; GRANT pg_use_reserved_connections TO ${admin}; then restart PostgreSQL.`
    );
  }
  return (
    `Tenants may take every connection slot${where}: PostgreSQL ${facts.major} reserves slots for superusers only. ` +
    `serve keeps the sessions it holds and ends tenant sessions past --max-tenant-connections each sweep; a restart of serve or PostgreSQL meanwhile could find no slot. PostgreSQL 16+ can reserve slots for serve (reserved_connections).`
  );
}

/**
 * How many sessions tenants may hold together on this server (the sweeper's bound), and
 * whatever the operator should know about the slots left to serve.
 *
 * @example
 * const tenantConnections = await tenantConnectionBudget(client, undefined, '"admin"', '', warnings);
 */
export async function tenantConnectionBudget(db: Queryable, wanted: number | undefined, admin: string, where: string, warnings: string[]): Promise<number> {
  const facts = await slotFacts(db);
  const available = facts.max - facts.superuserReserved - (facts.reserved ?? 0);
  const total = wanted ?? available - KEPT_FOR_SERVE;
  if (total < 1) {
    throw new StepFailed('the connection budget', 'raise max_connections, or pass --max-tenant-connections', new Error(`max_connections ${facts.max} leaves no slot for tenants beside serve's ${KEPT_FOR_SERVE}`));
  }
  if (wanted !== undefined && wanted > available - KEPT_FOR_SERVE) {
    warnings.push(`--max-tenant-connections ${wanted} leaves serve fewer than ${KEPT_FOR_SERVE} of the ${available} connection slots${where}: tenants could take them all.`);
  }
  const warning = slotWarning(facts, admin, where);
  if (warning) warnings.push(warning);
  return total;
}
