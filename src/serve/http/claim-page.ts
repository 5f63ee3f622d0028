/**
 * The claim pages: plain HTML with a form, so claiming works without JavaScript (and
 * from a terminal browser). Everything shown is escaped. Pure: they return markup.
 */
import { formatTimeLeft } from '../../report/format.js';
import type { DatabaseRecord } from '../state/store.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
code,pre{font:14px ui-monospace,monospace;background:#f3f3f3;padding:.15rem .3rem;border-radius:4px}
pre{padding:.75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
button{font:inherit;padding:.5rem 1.25rem;border:0;border-radius:6px;background:#0a7d55;color:#fff;cursor:pointer}
.note{color:#555}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const facts = (record: DatabaseRecord) =>
  `<p>Database <code>${escapeHtml(record.name)}</code><br>id <code>${escapeHtml(record.id)}</code><br>created ${escapeHtml(record.createdAt.toISOString())}</p>`;

export function unclaimedPage(record: DatabaseRecord, now: Date): string {
  const expires = record.expiresAt ?? now;
  const readOnly = record.readOnly
    ? '<p><strong>It went over the storage limit for unclaimed databases and is read-only until claimed.</strong></p>'
    : '';
  return page(
    'Claim this database',
    `${facts(record)}<p>It expires at ${escapeHtml(expires.toISOString())} (${escapeHtml(formatTimeLeft(expires.getTime() - now.getTime()))} left) and is then deleted.</p>${readOnly}
<form method="post" action="/claim/${encodeURIComponent(record.id)}"><button type="submit">Claim database</button></form>
<p class="note">Claiming keeps it: the expiry and the storage limit are removed. Its credentials are shown once, on the next page.</p>`,
  );
}

export function claimedNowPage(record: DatabaseRecord, connectionString: string): string {
  const url = escapeHtml(connectionString);
  return page(
    'Database claimed',
    `${facts(record)}<p>It no longer expires. <strong>Copy the connection string now: it is shown only this once</strong>, and the API no longer gives it out.</p>
<pre>${url}</pre><p>Connect:</p><pre>psql "${url}"</pre>`,
  );
}

export function alreadyClaimedPage(record: DatabaseRecord): string {
  const when = record.claimedAt ? ` on ${escapeHtml(record.claimedAt.toISOString())}` : '';
  return page('Already claimed', `${facts(record)}<p>This database was claimed${when}. Its credentials were shown then and are not shown again.</p>`);
}

export function notFoundPage(): string {
  return page('Database not found', '<p>There is no such database here. Unclaimed databases are deleted when they expire.</p>');
}

/**
 * The 403 answer to a claim POST from another site.
 *
 * @example
 * sendHtml(res, 403, crossSitePage());
 */
export function crossSitePage(): string {
  return page('Claim refused', '<p>This claim was sent from another site. Open the claim link itself and press the button there.</p>');
}

/**
 * What a browser sees (503) while PostgreSQL cannot be reached.
 *
 * @example
 * sendHtml(res, 503, unavailablePage(), { 'retry-after': '5' });
 */
export function unavailablePage(): string {
  return page('Try again shortly', '<p>The database server is not reachable right now (it may be restarting). Reload this page in a few seconds.</p>');
}
