/**
 * The admin API (`/admin/v1`): the operator's tools over HTTP, for an operator who can
 * reach serve but not its PostgreSQL. Off unless GET_DB_SERVE_ADMIN_TOKEN is set; every
 * request must then carry it as a bearer token (a page on another site cannot send one
 * without a CORS preflight, which serve never approves). The same engine as
 * `get-db serve list | drop | expire | pause | resume`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGetDbError } from '../../errors.js';
import type { ServeContext } from '../context.js';
import { dropDatabase, setExpiry } from '../operate/actions.js';
import { clustersOf } from '../operate/clusters.js';
import { listDatabases } from '../operate/inventory.js';
import { parseClaimedTtl } from '../options.js';
import { createsPaused, pauseCreates, resumeCreates } from '../state/pause.js';
import { bearerMatches, readBody, sendJson } from './http-io.js';

/** True when the request may go on; otherwise the 404 (API off) or 401 has been sent. */
function authorised(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): boolean {
  if (ctx.adminToken === undefined) {
    sendJson(res, 404, { error: 'Not found', hint: 'The admin API is off: start get-db serve with GET_DB_SERVE_ADMIN_TOKEN set to turn it on.' });
    return false;
  }
  if (bearerMatches(req.headers.authorization, ctx.adminToken)) return true;
  ctx.log({ level: 'warn', event: 'admin_unauthorized' });
  sendJson(res, 401, { error: 'Unauthorized', hint: 'Send Authorization: Bearer <GET_DB_SERVE_ADMIN_TOKEN>.' }, { 'www-authenticate': 'Bearer' });
  return false;
}

/** A JSON object body, or undefined after a 400. */
async function jsonObject(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = JSON.parse(await readBody(req));
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  sendJson(res, 400, { error: 'Invalid body', hint: 'Send a JSON object.' });
  return undefined;
}

/** The tools' refusals as HTTP: unknown → 404, a state that forbids it → 409; the rest to the router. */
async function answer(res: ServerResponse, work: () => Promise<unknown>): Promise<void> {
  try {
    sendJson(res, 200, await work());
  } catch (error) {
    if (!isGetDbError(error) || (error.code !== 'NOT_FOUND' && error.code !== 'USAGE')) throw error;
    sendJson(res, error.code === 'NOT_FOUND' ? 404 : 409, { error: error.message, hint: error.hint ?? null });
  }
}

type AdminHandler = (ctx: ServeContext, req: IncomingMessage, res: ServerResponse, param: string) => Promise<void>;

/** Only with the token; the database's id or name is `param`. */
const guarded =
  (handler: AdminHandler): AdminHandler =>
  async (ctx, req, res, param) => {
    if (authorised(ctx, req, res)) await handler(ctx, req, res, param);
  };

/**
 * The handlers, for the router's table.
 *
 * @example
 * { pattern: /^\/admin\/v1\/databases\/?$/, methods: { GET: listRoute } }
 */
export const listRoute = guarded(async (ctx, _req, res) =>
  answer(res, async () => {
    const inventory = await listDatabases(ctx.pool, clustersOf(ctx.servers));
    return { ...inventory, pause: inventory.pause ?? null };
  }),
);

export const dropRoute = guarded(async (ctx, req, res, ref) => {
  const force = new URL(req.url ?? '/', 'http://serve.invalid').searchParams.get('force') === 'true';
  await answer(res, async () => {
    const dropped = await dropDatabase(ctx.pool, clustersOf(ctx.servers), ref, { force });
    ctx.log({ level: 'info', event: 'admin_drop', id: dropped.id, outcome: dropped.outcome });
    return dropped;
  });
});

/** `{"expires_in": "24h"}`, or `{"expires_in": null}` (claimed only: kept until dropped). */
export const expireRoute = guarded(async (ctx, req, res, ref) => {
  const body = await jsonObject(req, res);
  if (!body) return;
  const given = body.expires_in;
  let inMs: number | undefined;
  try {
    if (given !== null && typeof given !== 'string') throw new Error('not a duration');
    inMs = given === null ? undefined : parseClaimedTtl(given);
  } catch {
    return sendJson(res, 400, { error: 'Invalid body', hint: 'Send {"expires_in": "24h"} (a duration from now) or {"expires_in": null}.' });
  }
  await answer(res, async () => {
    const record = await setExpiry(ctx.pool, ref, inMs);
    ctx.log({ level: 'info', event: 'admin_expire', id: record.id, expiresAt: record.expiresAt?.toISOString() ?? null });
    return { id: record.id, name: record.name, state: record.state, expires_at: record.expiresAt?.toISOString() ?? null };
  });
});

export const pausedRoute = guarded(async (ctx, _req, res) => {
  const pause = await createsPaused(ctx.pool);
  sendJson(res, 200, { paused: pause !== undefined, message: pause?.message ?? null, since: pause?.since ?? null });
});

/** `{"paused": true, "message": "…"}` or `{"paused": false}`. */
export const pauseRoute = guarded(async (ctx, req, res) => {
  const body = await jsonObject(req, res);
  if (!body) return;
  if (typeof body.paused !== 'boolean' || (body.message !== undefined && typeof body.message !== 'string')) {
    return sendJson(res, 400, { error: 'Invalid body', hint: 'Send {"paused": true, "message": "…"} or {"paused": false}.' });
  }
  await (body.paused ? pauseCreates(ctx.pool, (body.message as string | undefined)?.trim() ?? '') : resumeCreates(ctx.pool));
  ctx.log({ level: 'info', event: body.paused ? 'creates_paused' : 'creates_resumed' });
  await pausedRoute(ctx, req, res, '');
});
