/**
 * The parts of undici that get-db uses: `Dispatcher#request` (and `#connect`, which the proxy
 * agent tunnels HTTPS through) on an `EnvHttpProxyAgent`. undici's index also loads fetch,
 * WebSocket, EventSource, the cache and cookie stores and the mocks: twice the code and
 * about 20 ms more start-up for every create. This module wires the same parts together the
 * way undici's index.js does, from undici's own files (bundled; the build fails if they move).
 */
import api from 'undici/lib/api/index.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';

// What undici's index.js does: the request API lives on every dispatcher's prototype.
Object.assign(Dispatcher.prototype, api);

export { EnvHttpProxyAgent };
