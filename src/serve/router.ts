/**
 * Routes a request to its handler, logs it as one JSON line, and turns any failure into
 * a JSON 500 (a request never takes the process down).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createRoute, getRoute } from './api-routes.js';
import { claimPageRoute, claimRoute } from './claim-routes.js';
import type { ServeContext } from './context.js';
import { BodyTooLarge, clientAddress, sendJson } from './http-io.js';

type Handler = (ctx: ServeContext, req: IncomingMessage, res: ServerResponse, param: string) => Promise<string | undefined | void>;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

const ROUTES: Route[] = [
  { pattern: /^\/api\/v1\/database\/?$/, methods: { POST: (ctx, req, res) => createRoute(ctx, req, res) } },
  { pattern: /^\/api\/v1\/database\/([^/]+)$/, methods: { GET: (ctx, _req, res, id) => getRoute(ctx, res, id) } },
  {
    pattern: /^\/claim\/([^/]+)$/,
    methods: { GET: (ctx, _req, res, id) => claimPageRoute(ctx, res, id), POST: (ctx, req, res, id) => claimRoute(ctx, req, res, id) },
  },
  { pattern: /^\/healthz$/, methods: { GET: async (ctx, _req, res) => healthRoute(ctx, res) } },
];

async function healthRoute(ctx: ServeContext, res: ServerResponse): Promise<void> {
  await ctx.pool.query('SELECT 1');
  sendJson(res, 200, { ok: true });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes: not a UUID, so "not found" downstream
  }
}

async function dispatch(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<string | undefined> {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const handler = route.methods[req.method ?? ''];
    if (!handler) {
      sendJson(res, 405, { error: 'Method not allowed' }, { allow: Object.keys(route.methods).join(', ') });
      return undefined;
    }
    const param = match[1] === undefined ? '' : decodeSegment(match[1]);
    return (await handler(ctx, req, res, param)) ?? (param || undefined);
  }
  sendJson(res, 404, { error: 'Not found', hint: 'The API lives under /api/v1 (POST /api/v1/database, GET /api/v1/database/:id).' });
  return undefined;
}

function fail(ctx: ServeContext, res: ServerResponse, error: unknown): void {
  if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: 'Request body too large' }, { connection: 'close' });
  ctx.log({ level: 'error', event: 'request_failed', error: (error as Error).message });
  if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
  else res.destroy();
}

export function createRequestListener(ctx: ServeContext): RequestListener {
  return (req, res) => {
    const started = performance.now();
    const path = new URL(req.url ?? '/', 'http://serve.invalid').pathname;
    let id: string | undefined;
    dispatch(ctx, req, res, path)
      .then((routedId) => (id = routedId), (error: unknown) => fail(ctx, res, error))
      .finally(() => {
        ctx.log({
          level: 'info',
          event: 'request',
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          client: clientAddress(req, ctx.trustProxy),
          ...(id ? { id } : {}),
        });
      });
  };
}
