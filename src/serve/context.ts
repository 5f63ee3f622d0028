/** What every request handler of serve needs, made once at start-up. */
import type pg from 'pg';
import type { PublicEndpoint } from './database-view.js';
import type { Log } from './log.js';
import type { TenantLimits } from './databases.js';
import type { RateLimit } from './options.js';

export interface ServeContext {
  /** The admin connection pool: state queries and cluster DDL. */
  pool: pg.Pool;
  endpoint: PublicEndpoint;
  ttlMs: number;
  rateLimit: RateLimit | undefined;
  trustProxy: boolean;
  log: Log;
  /** Each role's connection limit and how many databases may live at once. */
  tenantLimits: TenantLimits;
}
