/**
 * Exchanges through Node's own HTTP client, where no proxy is set: it is part of Node (no
 * code to parse and compile, its HTTP parser native), so a create starts in a fraction of the
 * time undici takes to load. Node's global agents keep the connection alive across retries.
 */
import type { Answer, Exchange, Transport } from './transport.js';

/** Loaded when first used: `node:https` brings TLS and crypto, which an http:// API never needs. */
const client = (url: URL) => process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http') as typeof import('node:https');

function send({ method, url, headers, body, signal }: Exchange): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sized = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const request = client(url).request(url, { method, headers: sized, signal }, (response) =>
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], body: response }),
    );
    request.once('error', reject);
    request.end(body);
  });
}

/**
 * @example
 * const answer = await nodeTransport.send({ method: 'GET', url: new URL('https://instagres.com/api/v1/database/1'), headers: {}, body: undefined, signal });
 */
export const nodeTransport: Transport = { send, proxyFor: () => undefined };
