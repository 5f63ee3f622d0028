/**
 * What sends one HTTP exchange for http.ts: Node's own client (node-transport.ts), or undici's
 * proxy agent when a proxy is set (undici-transport.ts). The retries, deadlines, size limit
 * and errors are http.ts's, the same for both.
 */

export interface Exchange {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  /** Aborts the exchange: the caller's cancel or the attempt's deadline. */
  signal: AbortSignal;
}

export interface Answer {
  status: number;
  retryAfter: string | string[] | undefined;
  /** Read (and, past the size limit, destroyed) by the caller. */
  body: AsyncIterable<unknown> & { destroy(): void };
}

export interface Transport {
  send(exchange: Exchange): Promise<Answer>;
  /** The proxy the last exchange with `origin` went through (its origin only), if any. */
  proxyFor(origin: string): string | undefined;
}

// The variables undici's EnvHttpProxyAgent reads (it then applies NO_PROXY to each host).
const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];

/**
 * Whether a proxy is set for this process, so requests go through undici's proxy agent.
 * @example
 * proxyConfigured({ HTTPS_PROXY: 'http://proxy.corp:3128' }); // true
 */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => Boolean(env[name]));
}
