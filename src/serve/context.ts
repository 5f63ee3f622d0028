/** What every request handler of serve needs, made once at start-up. */
import type pg from 'pg';
import type { PublicEndpoint } from './http/database-view.js';
import type { BrowserGuard } from './http/browser-guard.js';
import type { Log } from './log.js';
import type { CreateRequest } from './databases.js';
import type { Servers } from './postgres/servers.js';
import type { DatabaseRecord } from './state/store.js';
import type { ServeMetrics } from './metrics.js';
import type { Observer } from './observe.js';
import type { RateLimit } from './option-values.js';
import type { ClaimPolicy } from './databases.js';
import type { PauseWatch } from './state/pause.js';

export interface ServeContext {
  /** The admin connection pool of the state's server: creates, claims, its cluster DDL. */
  pool: pg.Pool;
  /** Every server databases live on (the first is the state's), with its pool, limits and public host. */
  servers: Servers;
  /** Short single statements only (lookups, rate-limit counts, /healthz); see pools.ts. */
  quickPool: pg.Pool;
  /** The first server's; its publicUrl is this server's base URL (claim links, Origin checks). */
  endpoint: PublicEndpoint;
  /** The Host allowlist and the public URL the Origin rule compares with. */
  browserGuard: BrowserGuard;
  ttlMs: number;
  /** Unclaimed databases over this become read-only (told in /llms.txt). */
  storageLimitBytes: number;
  /** What a claim keeps: see `ClaimPolicy`. */
  claims: ClaimPolicy;
  /** The operator's pause, if any, as last read from the state (every second). */
  pause: PauseWatch;
  /** With GET_DB_SERVE_ADMIN_TOKEN: the admin API's bearer token. */
  adminToken: string | undefined;
  rateLimit: RateLimit | undefined;
  /** Proxies trusted to append to X-Forwarded-For (0: use the socket's address). */
  trustProxyHops: number;
  /** Creates that may wait for an admin session before 503. */
  createQueue: number;
  log: Log;
  /** With --pool: creates try a READY database first, and nudge the filler after. */
  warmPool?: { handOut(request: CreateRequest): Promise<DatabaseRecord | undefined>; nudge(): void };
  /** Counts creates, claims and reaps (a no-op without --metrics). */
  observer: Observer;
  /** With --metrics: what GET /metrics renders, and the bearer token it wants, if any. */
  metrics?: { registry: ServeMetrics; token: string | undefined };
}
