/** GET /claim/:id shows the database and a Claim button; POST claims it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { alreadyClaimedPage, claimedNowPage, notFoundPage, unclaimedPage } from './claim-page.js';
import type { ServeContext } from './context.js';
import { claimDatabase } from './databases.js';
import { connectionString } from './database-view.js';
import { readBody, sendHtml } from './http-io.js';
import { isUuid } from './ids.js';
import { findLive } from './store.js';

export async function claimPageRoute(ctx: ServeContext, res: ServerResponse, id: string): Promise<void> {
  const record = isUuid(id) ? await findLive(ctx.pool, id.toLowerCase()) : undefined;
  if (!record) return sendHtml(res, 404, notFoundPage());
  sendHtml(res, 200, record.state === 'CLAIMED' ? alreadyClaimedPage(record) : unclaimedPage(record, new Date()));
}

export async function claimRoute(ctx: ServeContext, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  await readBody(req); // the form sends nothing we need; read it so the connection can be reused
  const result = isUuid(id) ? await claimDatabase(ctx.pool, id.toLowerCase()) : { outcome: 'not-found' as const };
  if (result.outcome === 'not-found') return sendHtml(res, 404, notFoundPage());
  if (result.outcome === 'already-claimed') return sendHtml(res, 409, alreadyClaimedPage(result.record));
  ctx.log({ level: 'info', event: 'database_claimed', id: result.record.id });
  sendHtml(res, 200, claimedNowPage(result.record, connectionString(result.record, result.password, ctx.endpoint)));
}
