/** GET /claim/:id shows the database and a Claim button; POST claims it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { alreadyClaimedPage, claimedNowPage, claimRefusedPage, crossSitePage, notFoundPage, unclaimedPage } from './claim-page.js';
import { isSameOriginPost } from './browser-guard.js';
import type { ServeContext } from '../context.js';
import { claimDatabase } from '../databases.js';
import { connectionString, endpointOf } from './database-view.js';
import { readBody, sendHtml } from './http-io.js';
import { isUuid } from '../ids.js';
import { findLive } from '../state/store.js';

/** A lookup on the quick pool: unknown, malformed and expired ids never reach the admin pool. */
const lookUp = (ctx: ServeContext, id: string) => (isUuid(id) ? findLive(ctx.quickPool, id.toLowerCase()) : Promise.resolve(undefined));

export async function claimPageRoute(ctx: ServeContext, res: ServerResponse, id: string): Promise<void> {
  const record = await lookUp(ctx, id);
  if (!record) return sendHtml(res, 404, notFoundPage());
  sendHtml(res, 200, record.state === 'CLAIMED' ? alreadyClaimedPage(record) : unclaimedPage(record, new Date(), ctx.claims.ttlMs));
}

export async function claimRoute(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  await readBody(req); // the form sends nothing we need; read it so the connection can be reused
  if (!isSameOriginPost(req.headers, ctx.endpoint.publicUrl)) {
    ctx.log({ level: 'warn', event: 'claim_cross_site', origin: req.headers.origin ?? null });
    return sendHtml(res, 403, crossSitePage());
  }
  const live = await lookUp(ctx, id);
  if (!live) return sendHtml(res, 404, notFoundPage());
  if (live.state === 'CLAIMED') return sendHtml(res, 409, alreadyClaimedPage(live));
  const result = await claimDatabase(ctx.servers, id.toLowerCase(), ctx.claims);
  if (result.outcome === 'not-found') return sendHtml(res, 404, notFoundPage());
  if (result.outcome === 'full') {
    ctx.log({ level: 'warn', event: 'claim_refused', id: result.record.id, server: result.record.server, maxClaimed: ctx.claims.maxPerServer });
    return sendHtml(res, 409, claimRefusedPage(result.record, ctx.claims.maxPerServer));
  }
  if (result.outcome === 'already-claimed') return sendHtml(res, 409, alreadyClaimedPage(result.record));
  ctx.log({ level: 'info', event: 'database_claimed', id: result.record.id });
  ctx.observer.claimed();
  sendHtml(res, 200, claimedNowPage(result.record, connectionString(result.record, result.password, endpointOf(ctx, result.record))));
}
