/**
 * The Instagres API, field for field and error for error (docs: "API", "Error responses"):
 * POST /api/v1/database and GET /api/v1/database/:id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkApiPost } from './browser-guard.js';
import { databaseView, endpointOf } from './database-view.js';
import { CREATE_FAILED, createFor } from './create-gate.js';
import { clientAddress, readBody, sendJson } from './http-io.js';
import { isUuid } from '../ids.js';
import type { ServeContext } from '../context.js';
import { findLive } from '../state/store.js';

const REFERRER_MAX = 200;

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

export async function createRoute(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  const body = await readBody(req);
  const refused = checkApiPost(req.headers, ctx.endpoint.publicUrl);
  if (refused) {
    ctx.observer.create('invalid');
    if (refused.status === 403) ctx.log({ level: 'warn', event: 'create_cross_site', origin: req.headers.origin ?? null });
    sendJson(res, refused.status, { error: refused.error, hint: refused.hint });
    return undefined;
  }
  const checked = checkCreateBody(body);
  if (!checked.ok) {
    ctx.observer.create('invalid');
    sendJson(res, checked.status, { error: checked.error, hint: checked.hint });
    return undefined;
  }
  const made = await createFor(ctx, clientAddress(req, ctx.trustProxyHops), { referrer: checked.referrer, logicalReplication: checked.logicalReplication });
  if (!made.ok) {
    const headers: Record<string, string> = made.retryAfter === undefined ? {} : { 'retry-after': String(made.retryAfter) };
    sendJson(res, made.status, { error: made.error, hint: made.hint, ...(made.reason ? { reason: made.reason } : {}) }, headers);
    return undefined;
  }
  sendJson(res, 201, databaseView(made.record, endpointOf(ctx, made.record)));
  return made.record.id;
}

/** Unknown, malformed and expired ids all answer as the docs' "Invalid database ID". */
export async function getRoute(ctx: ServeContext, res: ServerResponse, id: string): Promise<void> {
  const record = isUuid(id) ? await findLive(ctx.quickPool, id.toLowerCase()) : undefined;
  if (!record) return sendJson(res, 400, { error: 'Database not found' });
  sendJson(res, 200, databaseView(record, endpointOf(ctx, record)));
}
