/**
 * What keeps web pages from using serve through their visitors' browsers. Pure. Two rules,
 * for every route that may add one (the home page's form too):
 *
 * - **Host allowlist** (every request, `hostAllowed`): DNS rebinding points a name the
 *   attacker owns at serve's address, so the attacker's page becomes "same-origin" with
 *   serve. The browser still sends that name as `Host`; serve answers only to the names it
 *   is known by: `--public-url`'s, `--allowed-host`'s, the name it listens on, `localhost`,
 *   and IP addresses (none of these can be rebound by someone else's DNS).
 * - **Same-origin POSTs** (`isSameOriginPost`): a page on another site must not make a
 *   visitor's browser create or claim a database. Browsers say where a POST comes from:
 *   `Origin` (every current browser sends it on a form POST and a fetch), `Sec-Fetch-Site`
 *   (set by the browser, never by a page), and `Referer`. The first of these present
 *   decides. A POST with none of them does not come from a browser (curl, a script, get-db
 *   itself) and cannot be forged by a web page, so it is accepted.
 *
 * The API's create also wants `Content-Type: application/json` (`checkApiPost`): a page can
 * send a cross-site `text/plain` or form POST without asking, but a JSON one only after a
 * CORS preflight, which serve never approves.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Same origin as the public URL, or as the Host the browser sent the request to. */
function isOurs(url: string, publicUrl: string, host: string | undefined): boolean {
  const origin = originOf(url);
  if (origin === undefined || origin === 'null') return false;
  return origin === originOf(publicUrl) || (host !== undefined && new URL(origin).host === host.toLowerCase());
}

/**
 * True when the POST may go on; false means 403. (The Host the browser sent counts as ours
 * only because `hostAllowed` has already vouched for it.)
 *
 * @example
 * isSameOriginPost({ origin: 'https://db.example.com' }, 'https://db.example.com'); // true
 * isSameOriginPost({ origin: 'https://evil.example' }, 'https://db.example.com'); // false
 * isSameOriginPost({}, 'https://db.example.com'); // true: not a browser
 */
export function isSameOriginPost(headers: IncomingHttpHeaders, publicUrl: string): boolean {
  const host = single(headers.host);
  const origin = single(headers.origin);
  // `Origin: null` (sandboxed frames, data: URLs, privacy modes) names no site: let
  // Sec-Fetch-Site speak if the browser sent it, and refuse otherwise.
  if (origin !== undefined && origin !== 'null') return isOurs(origin, publicUrl, host);
  const site = single(headers['sec-fetch-site']);
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  if (origin === 'null') return false;
  const referer = single(headers.referer);
  if (referer !== undefined) return isOurs(referer, publicUrl, host);
  return true;
}

/** A host name as compared: lower case, no trailing dot, no brackets. */
const hostnameOf = (host: string) => host.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');

/** The name part of a Host header (`db.example.com:3000` → `db.example.com`), or undefined for junk. */
function hostHeaderName(header: string): string | undefined {
  try {
    const url = new URL(`http://${header}`);
    return url.username || url.password || url.pathname !== '/' || url.search || url.hash ? undefined : hostnameOf(url.hostname);
  } catch {
    return undefined;
  }
}

export interface BrowserGuard {
  /** The names besides IP addresses and `localhost` that `hostAllowed` accepts, for the 421's hint. */
  names: string[];
  /** The request's `Host` names this server; a request without one is not a browser's. */
  hostAllowed(headers: IncomingHttpHeaders): boolean;
}

/**
 * @example
 * const guard = browserGuard({ publicUrl: 'https://db.example.com', listenHost: '0.0.0.0', allowedHosts: ['getdb.internal'] });
 * guard.hostAllowed({ host: 'db.example.com' }); // true
 * guard.hostAllowed({ host: 'rebound.evil.example:3000' }); // false
 */
export function browserGuard(options: { publicUrl: string; listenHost: string; allowedHosts: string[] }): BrowserGuard {
  const names = new Set([new URL(options.publicUrl).hostname, ...options.allowedHosts].map(hostnameOf));
  if (isIP(hostnameOf(options.listenHost)) === 0) names.add(hostnameOf(options.listenHost));
  return {
    names: [...names],
    hostAllowed(headers) {
      const header = single(headers.host);
      if (header === undefined) return true;
      const name = hostHeaderName(header);
      return name !== undefined && (names.has(name) || name === 'localhost' || isIP(name) !== 0);
    },
  };
}

/** A refusal to answer as JSON: status, error and hint. */
export interface Refusal {
  status: number;
  error: string;
  hint: string;
}

/**
 * The 421 for a Host this server is not known by (what DNS rebinding looks like).
 *
 * @example
 * sendJson(res, 421, wrongHost(guard));
 */
export function wrongHost(guard: BrowserGuard): Omit<Refusal, 'status'> {
  const names = [...guard.names.filter((name) => isIP(name) === 0), 'localhost'].join(', ');
  return {
    error: 'Unknown host',
    hint: `This server answers to ${names} and IP addresses; reach it by one of those, or start it with --public-url or --allowed-host naming this one.`,
  };
}

const isJson = (contentType: string | undefined) => /^application\/json\s*(;|$)/i.test(contentType ?? '');

/**
 * Why an API POST (a create) is refused, or undefined when it may go on: from another site
 * (403), or not declared JSON (415).
 *
 * @example
 * checkApiPost({ origin: 'https://evil.example', 'content-type': 'text/plain' }, 'https://db.example.com'); // { status: 403, … }
 * checkApiPost({ 'content-type': 'application/json' }, 'https://db.example.com'); // undefined
 */
export function checkApiPost(headers: IncomingHttpHeaders, publicUrl: string): Refusal | undefined {
  if (!isSameOriginPost(headers, publicUrl)) {
    return { status: 403, error: 'Cross-site request refused', hint: 'Databases are created by get-db, scripts and this server\'s own pages, not by other sites\' pages.' };
  }
  if (!isJson(single(headers['content-type']))) {
    return { status: 415, error: 'Unsupported media type', hint: 'Send Content-Type: application/json with a JSON body such as {"ref": "my-app"}.' };
  }
  return undefined;
}
