/**
 * serve's home page (`/`): one button that creates a database (a plain form POST: no
 * script needed), then its connection string, a psql line, the expiry and the claim
 * link; and how to get one from a terminal or a coding agent. Pure: returns markup.
 */
import { formatTimeLeft } from '../../report/format.js';
import { expiryText } from './claim-page.js';
import { copyField, escapeHtml, page } from './page-shell.js';

/** What the pages say about this server. */
export interface SiteFacts {
  /** This server's base URL (no trailing slash). */
  publicUrl: string;
  ttlMs: number;
}

const CREATE_FORM = '<form method="post" action="/"><button type="submit">Create a database</button></form>';

/**
 * GET /.
 *
 * @example
 * sendHtml(res, 200, homePage({ publicUrl: 'http://127.0.0.1:3000', ttlMs: 72 * 3600_000 }));
 */
export function homePage(site: SiteFacts): string {
  const apiUrl = `${site.publicUrl}/api/v1`;
  return page(
    'A Postgres database, no account needed',
    `<p>This server hands out real PostgreSQL databases. Each one lives ${escapeHtml(formatTimeLeft(site.ttlMs))} unless you claim it.</p>
<div class="card">${CREATE_FORM}<p class="note">You get a connection string at once; nothing to sign up for.</p></div>
<h2>From a terminal</h2>
${copyField('cli', 'Write it into your project’s .env', `npx get-db --api-url ${apiUrl}`)}
<h2>For coding agents</h2>
${copyField('mcp', 'MCP server (Streamable HTTP)', `${site.publicUrl}/mcp`)}
${copyField('claude', 'Claude Code', `claude mcp add --transport http get-db ${site.publicUrl}/mcp`)}
<p class="note">Agents can read <a href="/llms.txt">/llms.txt</a> for the rest.</p>`,
  );
}

/**
 * The answer to the form: the new database, once.
 *
 * @example
 * sendHtml(res, 200, createdPage({ id, connectionString, claimUrl, expiresAt }, new Date()));
 */
export function createdPage(db: { connectionString: string; claimUrl: string; expiresAt: Date }, now: Date): string {
  return page(
    'Your database is ready',
    `${copyField('url', 'Connection string', db.connectionString)}${copyField('psql', 'Connect with psql', `psql "${db.connectionString}"`)}
<p>It ${expiryText(db.expiresAt, now)} and is then deleted, unless you claim it.</p>
<p><a href="${escapeHtml(db.claimUrl)}">Claim this database</a> to keep it: the expiry and the storage limit go.</p>
<p class="note warn">The connection string holds the password: keep it out of screenshots and public repositories.</p>
<p><a href="/">Create another</a></p>`,
  );
}

/**
 * A create the server will not make now (rate limit, busy, unavailable): its reason.
 *
 * @example
 * sendHtml(res, 429, notNowPage('Too many requests', 'try again in 40 s.'), { 'retry-after': '40' });
 */
export function notNowPage(error: string, hint: string): string {
  return page('No database right now', `<p><strong>${escapeHtml(error)}</strong>: ${escapeHtml(hint)}</p><p><a href="/">Back</a></p>`);
}

/**
 * The 403 answer to a create form posted from another site.
 *
 * @example
 * sendHtml(res, 403, crossSiteCreatePage());
 */
export function crossSiteCreatePage(): string {
  return page('Create refused', '<p>This request was sent from another site. Open this server’s own page and press the button there.</p><p><a href="/">Go to the page</a></p>');
}
