/**
 * Every way into a create goes through here (the API's POST, the home page's form, the
 * MCP tool): an operator's pause (read from memory: nothing waits before the queue check),
 * the create queue, the rate limit per client address, the warm pool, and the metrics, in
 * that order. It answers with the record or with the refusal to send (a full server's with
 * its reason: capacity.ts).
 */
import type { ServeContext } from '../context.js';
import { createClaimable, type CreateRequest } from '../databases.js';
import type { DatabaseRecord } from '../state/store.js';
import { countRequest } from '../state/rate-windows.js';
import { isUnavailable, RETRY_AFTER_SECONDS } from '../unavailable.js';
import { fullRefusal } from '../capacity.js';
import type { GetDbError } from '../../errors.js';

export const CREATE_FAILED = 'Failed to create the database.';

/** What a refused create answers: the HTTP status, the API's error body (with why, for a 503), and Retry-After (s). */
export interface CreateRefusal {
  ok: false;
  status: number;
  error: string;
  hint: string;
  retryAfter?: number;
  /** 503s: `paused` (an operator), `busy` (the create queue), or why the server is full (capacity.ts: `max_databases`, `disk`, `connections`). */
  reason?: string;
}

export type GateOutcome = { ok: true; record: DatabaseRecord; pooled: boolean } | CreateRefusal;

/** Seconds the client must wait, or undefined when it may go on. */
async function rateLimitWait(ctx: ServeContext, client: string): Promise<number | undefined> {
  if (!ctx.rateLimit) return undefined;
  const { count, msLeft } = await countRequest(ctx.quickPool, client, ctx.rateLimit.periodMs);
  return count <= ctx.rateLimit.count ? undefined : Math.max(1, Math.ceil(msLeft / 1000));
}

/** From the warm pool when it has one; on demand when it is empty (a burst that drained it). */
async function handOutOrCreate(ctx: ServeContext, request: CreateRequest) {
  if (ctx.warmPool) {
    const record = await ctx.warmPool.handOut(request);
    ctx.warmPool.nudge();
    if (record) return { record, pooled: true };
  }
  return { record: await createClaimable(ctx.servers, request), pooled: false };
}

/**
 * A full server (capacity.ts): 503 with its reason, a `create_refused` log line and the
 * refused counter — not "PostgreSQL unavailable", which would send an operator to the
 * wrong place.
 */
function refuseFull(ctx: ServeContext, error: GetDbError, full: NonNullable<ReturnType<typeof fullRefusal>>): CreateRefusal {
  const { reason, retryAfterSeconds, ...facts } = full;
  ctx.observer.create('full');
  ctx.observer.refused(reason);
  ctx.log({ level: 'warn', event: 'create_refused', reason, error: error.message, ...facts });
  return { ok: false, status: 503, error: error.message, hint: error.hint ?? '', retryAfter: retryAfterSeconds, reason };
}

/**
 * Seconds a client is told to wait while an operator has paused creates: past get-db's own
 * longest wait (30 s), so its client reports the pause at once instead of sitting it out.
 */
const PAUSED_RETRY_AFTER_SECONDS = 300;

/**
 * Creates run on the admin pool's sessions in arrival order; past `createQueue` waiting,
 * a client is told to come back (503 + Retry-After) instead of joining a queue it would
 * time out in. Checked after the pause (read from memory: nothing awaits between the check
 * and joining the queue) and before the rate limit, so a refusal costs the client none of
 * its allowance (the queue can then overshoot by the few creates between the two checks).
 * PostgreSQL away is thrown (the router answers 503 with a hint).
 *
 * @example
 * const made = await createFor(ctx, clientAddress(req, ctx.trustProxyHops), { referrer: 'my-app', logicalReplication: false });
 */
export async function createFor(ctx: ServeContext, client: string, request: Omit<CreateRequest, 'ttlMs'>): Promise<GateOutcome> {
  const started = performance.now();
  const pause = ctx.pause.current();
  if (pause) {
    ctx.observer.create('paused');
    const hint = pause.message || 'The operator of this server has paused new databases; try again later.';
    return { ok: false, status: 503, error: 'Creates are paused on this server', hint, retryAfter: PAUSED_RETRY_AFTER_SECONDS, reason: 'paused' };
  }
  if (ctx.pool.waitingCount >= ctx.createQueue) {
    ctx.observer.create('busy');
    const hint = `This server is busy making ${ctx.createQueue} other databases; try again in ${RETRY_AFTER_SECONDS} s.`;
    return { ok: false, status: 503, error: 'Too many databases being created', hint, retryAfter: RETRY_AFTER_SECONDS, reason: 'busy' };
  }
  const wait = await rateLimitWait(ctx, client);
  if (wait !== undefined) {
    ctx.observer.create('rate_limited');
    const hint = `This server makes at most ${ctx.rateLimit!.count} databases per client in a window; try again in ${wait} s.`;
    return { ok: false, status: 429, error: 'Too many requests', hint, retryAfter: wait };
  }
  try {
    const made = await handOutOrCreate(ctx, { ...request, ttlMs: ctx.ttlMs });
    ctx.observer.create(made.pooled ? 'pooled' : 'created', (performance.now() - started) / 1000);
    return { ok: true, ...made };
  } catch (error) {
    const full = fullRefusal(error);
    if (full) return refuseFull(ctx, error as GetDbError, full);
    if (isUnavailable(error)) {
      ctx.observer.create('unavailable');
      throw error;
    }
    ctx.observer.create('failed');
    ctx.log({ level: 'error', event: 'create_failed', error: (error as Error).message });
    return { ok: false, status: 500, error: CREATE_FAILED, hint: 'The server could not make a database right now; try again later.' };
  }
}
