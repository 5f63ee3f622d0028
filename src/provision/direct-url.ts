/**
 * Neon's pooled URL names the PgBouncer endpoint: `ep-x-pooler.region…`. The direct URL is
 * the same string with the `-pooler` ending of the first host label taken off — and nothing else
 * touched. Serialising through WHATWG URL would re-encode credentials and queries, so the
 * host is located in the original text and spliced out instead.
 */

interface HostSpan {
  start: number;
  end: number;
}

/** Where the host sits: after `scheme://` and the last `@` of the authority, before a port. */
function locateHost(url: string): HostSpan | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return undefined;
  const authorityStart = scheme[0].length;
  const authorityEnd = url.slice(authorityStart).search(/[/?#]/);
  const authority = url.slice(authorityStart, authorityEnd === -1 ? undefined : authorityStart + authorityEnd);
  const hostStart = authority.lastIndexOf('@') + 1;
  const hostAndPort = authority.slice(hostStart);
  if (hostAndPort.startsWith('[')) return undefined; // IPv6 literals have no labels to strip
  const colon = hostAndPort.indexOf(':');
  const hostLength = colon === -1 ? hostAndPort.length : colon;
  return { start: authorityStart + hostStart, end: authorityStart + hostStart + hostLength };
}

export function toDirectUrl(connectionString: string): string {
  const span = locateHost(connectionString);
  if (!span) return connectionString;
  const host = connectionString.slice(span.start, span.end);
  const dot = host.indexOf('.');
  const firstLabel = dot === -1 ? host : host.slice(0, dot);
  if (!firstLabel.toLowerCase().endsWith('-pooler')) return connectionString;
  const cut = span.start + firstLabel.length - '-pooler'.length;
  return connectionString.slice(0, cut) + connectionString.slice(cut + '-pooler'.length);
}
