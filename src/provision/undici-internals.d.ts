// undici ships types for its index only; these internal files export what the index re-exports.
declare module 'undici/lib/api/index.js' {
  import type { Dispatcher } from 'undici';
  const api: Pick<Dispatcher, 'request' | 'stream' | 'pipeline' | 'upgrade' | 'connect'>;
  export default api;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici';
  const DispatcherClass: typeof Dispatcher;
  export default DispatcherClass;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import type { EnvHttpProxyAgent } from 'undici';
  const EnvHttpProxyAgentClass: typeof EnvHttpProxyAgent;
  export default EnvHttpProxyAgentClass;
}
declare module 'undici/lib/core/symbols.js' {
  export const kNoProxyAgent: unique symbol;
  export const kHttpProxyAgent: unique symbol;
  export const kHttpsProxyAgent: unique symbol;
  /** On a ProxyAgent: the proxy it sends through. */
  export const kProxy: unique symbol;
}
