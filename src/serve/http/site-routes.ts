/**
 * The pages for people and agents: GET / (the home page), POST / (its create form) and
 * GET /llms.txt. The form creates through the API's gate (queue, rate limit) and is
 * refused from other sites as the claim form is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServeContext } from '../context.js';
import { isSameOriginPost } from './browser-guard.js';
import { createFor } from './create-gate.js';
import { databaseView, endpointOf } from './database-view.js';
import { createdPage, crossSiteCreatePage, homePage, notNowPage } from './home-page.js';
import { clientAddress, readBody, sendHtml } from './http-io.js';
import { llmsTxt } from './llms-txt.js';

const site = (ctx: ServeContext) => ({ publicUrl: ctx.endpoint.publicUrl, ttlMs: ctx.ttlMs });

/**
 * GET /.
 *
 * @example
 * router: { pattern: /^\/$/, methods: { GET: (ctx, _req, res) => homeRoute(ctx, res) } }
 */
export function homeRoute(ctx: ServeContext, res: ServerResponse): void {
  sendHtml(res, 200, homePage(site(ctx)));
}

/**
 * The form's POST: the new database's page, or why there is none.
 *
 * @example
 * router: { pattern: /^\/$/, methods: { POST: homeCreateRoute } }
 */
export async function homeCreateRoute(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  await readBody(req); // the form sends nothing we need; read it so the connection can be reused
  if (!isSameOriginPost(req.headers, ctx.endpoint.publicUrl)) {
    ctx.log({ level: 'warn', event: 'create_cross_site', origin: req.headers.origin ?? null });
    sendHtml(res, 403, crossSiteCreatePage());
    return undefined;
  }
  const made = await createFor(ctx, clientAddress(req, ctx.trustProxyHops), { referrer: 'web', logicalReplication: false });
  if (!made.ok) {
    sendHtml(res, made.status, notNowPage(made.error, made.hint), made.retryAfter === undefined ? {} : { 'retry-after': String(made.retryAfter) });
    return undefined;
  }
  const view = databaseView(made.record, endpointOf(ctx, made.record));
  sendHtml(res, 200, createdPage({ connectionString: view.connection_string!, claimUrl: view.claim_url, expiresAt: new Date(view.expires_at!) }, new Date()));
  return view.id;
}

/**
 * GET /llms.txt (plain text, revalidated on each read: it names this server's settings).
 *
 * @example
 * router: { pattern: /^\/llms\.txt$/, methods: { GET: (ctx, _req, res) => llmsRoute(ctx, res) } }
 */
export function llmsRoute(ctx: ServeContext, res: ServerResponse): void {
  const text = llmsTxt({ ...site(ctx), storageLimitBytes: ctx.storageLimitBytes, rateLimit: ctx.rateLimit });
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  res.end(text);
}
