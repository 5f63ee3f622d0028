/**
 * The parts of undici that get-db uses: `Dispatcher#request` (and `#connect`, which the proxy
 * agent tunnels HTTPS through) on an `EnvHttpProxyAgent`. undici's index also loads fetch,
 * WebSocket, EventSource, the cache and cookie stores and the mocks: twice the code and
 * about 20 ms more start-up for every create. This module wires the same parts together the
 * way undici's index.js does, from undici's own files (bundled; the build fails if they move).
 */
import type { Dispatcher as DispatcherType } from 'undici';
import api from 'undici/lib/api/index.js';
import { kHttpProxyAgent, kHttpsProxyAgent, kNoProxyAgent, kProxy } from 'undici/lib/core/symbols.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';

// What undici's index.js does: the request API lives on every dispatcher's prototype.
Object.assign(Dispatcher.prototype, api);

type Inner = DispatcherType & { [kProxy]?: { uri: string } };

/**
 * undici's EnvHttpProxyAgent (HTTP(S)_PROXY, NO_PROXY), remembering which proxy it sent each
 * origin through: when a request fails, the error can name the proxy that could not be
 * reached rather than the API host behind it. It picks one of three inner agents per request
 * (none, the HTTP proxy's, the HTTPS proxy's); each notes its proxy as it is handed a request.
 */
export class RoutedProxyAgent extends EnvHttpProxyAgent {
  readonly #proxyOf = new Map<string, string | undefined>();

  constructor() {
    super();
    const self = this as unknown as Record<symbol, Inner>;
    for (const inner of new Set([self[kNoProxyAgent]!, self[kHttpProxyAgent]!, self[kHttpsProxyAgent]!])) {
      // The origin only: a proxy URL may carry a user and password.
      const proxy = inner[kProxy] ? new URL(inner[kProxy].uri).origin : undefined;
      const dispatch = inner.dispatch.bind(inner);
      inner.dispatch = (options, handler) => {
        this.#proxyOf.set(String(options.origin), proxy);
        return dispatch(options, handler);
      };
    }
  }

  /**
   * The proxy the last request to `origin` went through, if any.
   * @example
   * agent.proxyFor('https://instagres.com'); // 'http://proxy.corp:3128' (HTTPS_PROXY), or undefined
   */
  proxyFor(origin: string): string | undefined {
    return this.#proxyOf.get(origin);
  }
}
