/**
 * Cross-site request forgery check for the claim form's POST. Pure.
 *
 * A page on another site must not make a visitor's browser claim a database. Browsers
 * say where a POST comes from: `Origin` (every current browser sends it on a form POST),
 * `Sec-Fetch-Site` (set by the browser, never by a page), and `Referer`. The first of
 * these present decides. A POST with none of them does not come from a browser (curl, a
 * script) and cannot be forged by a web page, so it is accepted.
 */
import type { IncomingHttpHeaders } from 'node:http';

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
 * True when the claim POST may go on; false means 403.
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
