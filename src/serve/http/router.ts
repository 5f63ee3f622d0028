/**
 * Routes a request to its handler, logs it as one JSON line, and turns any failure into
 * a JSON 500 (a request never takes the process down).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createRoute, getRoute } from './api-routes.js';
import { claimPageRoute, claimRoute } from './claim-routes.js';
import { mcpRoute } from './mcp-route.js';
import { homeCreateRoute, homeRoute, llmsRoute } from './site-routes.js';
import * as admin from './admin-routes.js';
import { isGetDbError } from '../../errors.js';
import type { ServeContext } from '../context.js';
import { unavailablePage } from './claim-page.js';
import { wrongHost } from './browser-guard.js';
import { BodyTooLarge, bearerMatches, ClientGone, clientAddress, sendHtml, sendJson } from './http-io.js';
import { isUnavailable, RETRY_AFTER_SECONDS, UNAVAILABLE_BODY } from '../unavailable.js';

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
  { pattern: /^\/$/, methods: { GET: async (ctx, _req, res) => homeRoute(ctx, res), POST: (ctx, req, res) => homeCreateRoute(ctx, req, res) } },
  { pattern: /^\/llms\.txt$/, methods: { GET: async (ctx, _req, res) => llmsRoute(ctx, res) } },
  // Stateless MCP: no SSE stream to GET, no session to DELETE (the spec's 405 for both).
  { pattern: /^\/mcp$/, methods: { POST: (ctx, req, res) => mcpRoute(ctx, req, res) } },
  { pattern: /^\/admin\/v1\/databases\/?$/, methods: { GET: admin.listRoute } },
  { pattern: /^\/admin\/v1\/databases\/([^/]+)$/, methods: { DELETE: admin.dropRoute, PATCH: admin.expireRoute } },
  { pattern: /^\/admin\/v1\/creates\/?$/, methods: { GET: admin.pausedRoute, PUT: admin.pauseRoute } },
  { pattern: /^\/healthz$/, methods: { GET: async (ctx, _req, res) => healthRoute(ctx, res) } },
  { pattern: /^\/metrics$/, methods: { GET: async (ctx, req, res) => metricsRoute(ctx, req, res) } },
];

/** On the quick pool: answers in milliseconds during a create storm, 503 while PostgreSQL is away. */
async function healthRoute(ctx: ServeContext, res: ServerResponse): Promise<void> {
  await ctx.quickPool.query('SELECT 1');
  sendJson(res, 200, { ok: true });
}

/** Prometheus text, if --metrics; with a token, only for `Authorization: Bearer <token>`. */
async function metricsRoute(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!ctx.metrics) return sendJson(res, 404, { error: 'Not found', hint: 'Start get-db serve with --metrics to serve /metrics.' });
  if (ctx.metrics.token !== undefined && !bearerMatches(req.headers.authorization, ctx.metrics.token)) {
    return sendJson(res, 401, { error: 'Unauthorized', hint: 'Send Authorization: Bearer <GET_DB_SERVE_METRICS_TOKEN>.' }, { 'www-authenticate': 'Bearer' });
  }
  const { contentType, body } = await ctx.metrics.registry.render();
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes: not a UUID, so "not found" downstream
  }
}

async function dispatch(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<string | undefined> {
  if (!ctx.browserGuard.hostAllowed(req.headers)) {
    ctx.log({ level: 'warn', event: 'unknown_host', host: req.headers.host ?? null });
    sendJson(res, 421, wrongHost(ctx.browserGuard));
    return undefined;
  }
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

/** PostgreSQL away: 503 with a hint (a page for the claim form's browsers) and Retry-After. */
function unavailable(ctx: ServeContext, res: ServerResponse, path: string, error: unknown): void {
  ctx.log({ level: 'warn', event: 'postgres_unavailable', path, error: (error as Error).message });
  if (res.headersSent) return void res.destroy();
  const retry = { 'retry-after': String(RETRY_AFTER_SECONDS) };
  if (path.startsWith('/claim/') || path === '/') return sendHtml(res, 503, unavailablePage(), retry);
  // serve's own word (e.g. no PostgreSQL server answering) says more than the generic body.
  const body = isGetDbError(error) && error.cause === undefined ? { ...UNAVAILABLE_BODY, error: error.message, hint: error.hint ?? UNAVAILABLE_BODY.hint } : UNAVAILABLE_BODY;
  sendJson(res, 503, body, retry);
}

/** nginx's "client closed request": logged when a client left (or was cut off) mid-request. */
const CLIENT_GONE = 499;

function fail(ctx: ServeContext, res: ServerResponse, path: string, error: unknown): void {
  if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: 'Request body too large' }, { connection: 'close' });
  if (error instanceof ClientGone) {
    res.statusCode = CLIENT_GONE; // for the request log only: there is no one to answer
    return void res.destroy();
  }
  if (isUnavailable(error)) return unavailable(ctx, res, path, error);
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
      .then((routedId) => (id = routedId), (error: unknown) => fail(ctx, res, path, error))
      .finally(() => {
        ctx.log({
          level: 'info',
          event: 'request',
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          client: clientAddress(req, ctx.trustProxyHops),
          ...(id ? { id } : {}),
        });
      });
  };
}
