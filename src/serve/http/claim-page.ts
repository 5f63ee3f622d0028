/**
 * The claim pages: plain HTML with a form, so claiming works without JavaScript (and
 * from a terminal browser), in the home page's frame (page-shell.ts). Everything shown is
 * escaped. Pure: they return markup.
 */
import { formatTimeLeft } from '../../report/format.js';
import type { DatabaseRecord } from '../state/store.js';
import { copyField, escapeHtml, page } from './page-shell.js';

const facts = (record: DatabaseRecord) =>
  `<p>Database <code>${escapeHtml(record.name)}</code><br>id <code>${escapeHtml(record.id)}</code><br>created <time datetime="${record.createdAt.toISOString()}">${escapeHtml(record.createdAt.toISOString())}</time></p>`;

/**
 * "It expires at … (71h 59m left)", counted down live where scripts run.
 *
 * @example
 * expiryText(record.expiresAt, new Date()); // 'expires at <time …>2026-…</time> (<span id="left">71h 59m left</span>)'
 */
export function expiryText(expiresAt: Date, now: Date): string {
  const iso = expiresAt.toISOString();
  return `expires at <time datetime="${iso}" data-countdown>${escapeHtml(iso)}</time> (<span id="left">${escapeHtml(formatTimeLeft(expiresAt.getTime() - now.getTime()))} left</span>)`;
}

/** What claiming gives on this server (--claimed-ttl). */
const keptFor = (claimedTtlMs: number | undefined) =>
  claimedTtlMs === undefined ? 'the expiry and the storage limit are removed' : `the storage limit is removed and it is kept for ${escapeHtml(formatTimeLeft(claimedTtlMs))} from the claim`;

export function unclaimedPage(record: DatabaseRecord, now: Date, claimedTtlMs?: number): string {
  const expires = record.expiresAt ?? now;
  const readOnly = record.readOnly
    ? '<p><strong>It went over the storage limit for unclaimed databases and is read-only until claimed.</strong></p>'
    : '';
  return page(
    'Claim this database',
    `${facts(record)}<p>It ${expiryText(expires, now)} and is then deleted.</p>${readOnly}
<form method="post" action="/claim/${encodeURIComponent(record.id)}"><button type="submit">Claim database</button></form>
<p class="note">Claiming keeps it: ${keptFor(claimedTtlMs)}. Its credentials are shown once, on the next page.</p>`,
  );
}

export function claimedNowPage(record: DatabaseRecord, connectionString: string): string {
  return page(
    'Database claimed',
    `${facts(record)}<p>${record.expiresAt ? `It is kept until ${escapeHtml(record.expiresAt.toISOString())}.` : 'It no longer expires.'} <strong>Copy the connection string now: it is shown only this once</strong>, and the API no longer gives it out.</p>
${copyField('url', 'Connection string', connectionString)}${copyField('psql', 'Connect with psql', `psql "${connectionString}"`)}`,
  );
}

export function alreadyClaimedPage(record: DatabaseRecord): string {
  const when = record.claimedAt ? ` on ${escapeHtml(record.claimedAt.toISOString())}` : '';
  return page('Already claimed', `${facts(record)}<p>This database was claimed${when}. Its credentials were shown then and are not shown again.</p>`);
}

/**
 * The 409 answer to a claim past --max-claimed: nothing changed, and it still expires.
 *
 * @example
 * sendHtml(res, 409, claimRefusedPage(record, 100));
 */
export function claimRefusedPage(record: DatabaseRecord, maxClaimed: number): string {
  const expires = record.expiresAt ? ` It stays unclaimed and expires at ${escapeHtml(record.expiresAt.toISOString())}.` : '';
  return page(
    'Claim refused',
    `${facts(record)}<p>This server keeps at most ${maxClaimed} claimed databases on the PostgreSQL server this one is on, and has that many.${expires}</p><p class="note">Ask the server's operator to make room (get-db serve list, get-db serve drop), then claim it again.</p>`,
  );
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
