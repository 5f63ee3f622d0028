/**
 * Exchanges through undici's proxy agent, used where HTTP(S)_PROXY is set: it tunnels to the
 * API through the proxy, honours NO_PROXY, and remembers which proxy each origin went through
 * (for errors that name it).
 */
import type { Answer, Exchange, Transport } from './transport.js';
import { RoutedProxyAgent } from './undici-parts.js';

let agent: RoutedProxyAgent | undefined;

async function send({ method, url, headers, body, signal }: Exchange): Promise<Answer> {
  // One agent per process: keeps connections alive across retries and reads the proxy env once.
  agent ??= new RoutedProxyAgent();
  const response = await agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method, signal, headers, body });
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: response.body };
}

/**
 * @example
 * const answer = await undiciTransport.send({ method: 'POST', url, headers, body: '{}', signal });
 */
export const undiciTransport: Transport = { send, proxyFor: (origin) => agent?.proxyFor(origin) };
