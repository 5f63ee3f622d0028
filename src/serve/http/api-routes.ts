/**
 * The Instagres API, field for field and error for error (docs: "API", "Error responses"):
 * POST /api/v1/database and GET /api/v1/database/:id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createClaimable, type CreateRequest } from '../databases.js';
import { databaseView, endpointOf } from './database-view.js';
import { clientAddress, readBody, sendJson } from './http-io.js';
import { isUuid } from '../ids.js';
import type { ServeContext } from '../context.js';
import { countRequest, findLive } from '../state/store.js';
import { isUnavailable, RETRY_AFTER_SECONDS } from '../unavailable.js';

const REFERRER_MAX = 200;
const CREATE_FAILED = 'Failed to create the database.';
const BODY_EXAMPLE = 'Send a JSON body such as {"ref": "my-app"} (and optionally "enable_logical_replication": true).';

export type CreateBody =
  | { ok: true; referrer: string; logicalReplication: boolean }
  | { ok: false; status: number; error: string; hint: string };

/** The docs' rules: no usable ref → 400; bad JSON or a wrong type → 500. Pure. */
export function checkCreateBody(raw: string): CreateBody {
  const invalid = (hint: string): CreateBody => ({ ok: false, status: 500, error: CREATE_FAILED, hint });
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return invalid(`The request body is not valid JSON. ${BODY_EXAMPLE}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid(`The request body must be a JSON object. ${BODY_EXAMPLE}`);
  const { ref, enable_logical_replication: logical } = body as Record<string, unknown>;
  if (ref !== undefined && ref !== null && typeof ref !== 'string') return invalid('"ref" must be a string.');
  if (typeof ref !== 'string' || ref.trim() === '') {
    return { ok: false, status: 400, error: 'Missing referrer', hint: 'Add a "ref" to the request body naming your app, e.g. {"ref": "my-app"}.' };
  }
  if (ref.length > REFERRER_MAX || /[\u0000-\u001f\u007f]/.test(ref)) return invalid(`"ref" must be at most ${REFERRER_MAX} printable characters.`);
  if (logical !== undefined && typeof logical !== 'boolean') return invalid('"enable_logical_replication" must be true or false.');
  return { ok: true, referrer: ref.trim(), logicalReplication: logical === true };
}

/** True when the client may go on; otherwise the 429 has been sent. */
async function withinRateLimit(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (!ctx.rateLimit) return true;
  const { count, msLeft } = await countRequest(ctx.quickPool, clientAddress(req, ctx.trustProxyHops), ctx.rateLimit.periodMs);
  if (count <= ctx.rateLimit.count) return true;
  const seconds = Math.max(1, Math.ceil(msLeft / 1000));
  sendJson(res, 429, { error: 'Too many requests', hint: `This server makes at most ${ctx.rateLimit.count} databases per client in a window; try again in ${seconds} s.` }, { 'retry-after': String(seconds) });
  return false;
}

/**
 * Creates run on the admin pool's sessions in arrival order; past `createQueue` waiting,
 * a client is told to come back (503 + Retry-After) instead of joining a queue it would
 * time out in. Checked before the rate limit, so a refusal costs the client none of its
 * allowance (the queue can then overshoot by the few creates between the two checks).
 */
function withinCreateQueue(ctx: ServeContext, res: ServerResponse): boolean {
  if (ctx.pool.waitingCount < ctx.createQueue) return true;
  sendJson(
    res,
    503,
    { error: 'Too many databases being created', hint: `This server is busy making ${ctx.createQueue} other databases; try again in ${RETRY_AFTER_SECONDS} s.` },
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
  return false;
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

export async function createRoute(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  const started = performance.now();
  const checked = checkCreateBody(await readBody(req));
  if (!checked.ok) {
    ctx.observer.create('invalid');
    sendJson(res, checked.status, { error: checked.error, hint: checked.hint });
    return undefined;
  }
  if (!withinCreateQueue(ctx, res)) return void ctx.observer.create('busy');
  if (!(await withinRateLimit(ctx, req, res))) return void ctx.observer.create('rate_limited');
  let made;
  try {
    made = await handOutOrCreate(ctx, { referrer: checked.referrer, logicalReplication: checked.logicalReplication, ttlMs: ctx.ttlMs });
  } catch (error) {
    if (isUnavailable(error)) {
      ctx.observer.create('unavailable');
      throw error; // the router answers 503 with a hint
    }
    ctx.observer.create('failed');
    ctx.log({ level: 'error', event: 'create_failed', error: (error as Error).message });
    sendJson(res, 500, { error: CREATE_FAILED, hint: 'The server could not make a database right now; try again later.' });
    return undefined;
  }
  sendJson(res, 201, databaseView(made.record, endpointOf(ctx, made.record)));
  ctx.observer.create(made.pooled ? 'pooled' : 'created', (performance.now() - started) / 1000);
  return made.record.id;
}

/** Unknown, malformed and expired ids all answer as the docs' "Invalid database ID". */
export async function getRoute(ctx: ServeContext, res: ServerResponse, id: string): Promise<void> {
  const record = isUuid(id) ? await findLive(ctx.quickPool, id.toLowerCase()) : undefined;
  if (!record) return sendJson(res, 400, { error: 'Database not found' });
  sendJson(res, 200, databaseView(record, endpointOf(ctx, record)));
}
