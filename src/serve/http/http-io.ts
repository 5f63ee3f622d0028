/** The HTTP edge of serve: bounded bodies, JSON and HTML answers, the client's address. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { PAGE_CSP } from './page-shell.js';

/** Create and claim bodies are a few dozen bytes; anything near this is not a client of ours. */
export const BODY_LIMIT_BYTES = 16 * 1024;

export class BodyTooLarge extends Error {}

/** The client went away (or was cut off at --request-timeout) before its body arrived. */
export class ClientGone extends Error {}

export function readBody(req: IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyTooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
      } else {
        chunks.push(chunk);
      }
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', (error) => reject(new ClientGone(error.message, { cause: error })));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * Pages carry credentials at times: never cached or framed, and no referrer leaves for
 * other sites. (`same-origin`, not `no-referrer`: under `no-referrer` browsers send the
 * claim form's POST with `Origin: null`, which the Origin check must refuse.)
 */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': PAGE_CSP,
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(html);
}

const socketAddress = (req: IncomingMessage) => (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');

/**
 * The client's address. Each proxy appends the address it was connected from to
 * X-Forwarded-For, so with `trustedHops` proxies in front the client is the entry that
 * many from the right; entries further left are whatever the client wrote. With fewer
 * entries than hops, the left-most is taken; an entry that is not an IP address is
 * ignored for the socket's.
 *
 * @example
 * // X-Forwarded-For: 6.6.6.6, 198.51.100.1 (the client wrote 6.6.6.6; the load balancer appended 198.51.100.1)
 * clientAddress(req, 1); // '198.51.100.1'
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  const header = req.headers['x-forwarded-for'];
  if (trustedHops < 1 || !header) return socketAddress(req);
  const hops = (Array.isArray(header) ? header.join(',') : header).split(',').map((hop) => hop.trim());
  const hop = hops[Math.max(0, hops.length - trustedHops)]!.replace(/^::ffff:/, '');
  return isIP(hop) ? hop : socketAddress(req);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `Authorization: Bearer <token>` names `token`; compared in constant time (over digests,
 * so the lengths leak nothing either).
 *
 * @example
 * bearerMatches('Bearer s3cret', 's3cret'); // true
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}
