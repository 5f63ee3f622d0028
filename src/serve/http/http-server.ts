/**
 * serve's HTTP server with caps and timeouts, so slow or very many connections cannot
 * starve the rest: past `maxConnections` new ones are closed on accept (file descriptors
 * remain for PostgreSQL and honest clients), and a client that has not sent its whole
 * request within `requestTimeoutMs` is answered 408 and disconnected (slowloris).
 */
import { createServer, type Server } from 'node:http';
import type { Log } from '../log.js';
import type { ServeOptions } from '../options.js';

/** Idle keep-alive connections are closed after this (Node's default, said out loud). */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node looks for connections past the request timeout (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1_000;
/** Refused connections are logged once, then summed per window: a flood must not flood the log. */
const DROP_LOG_WINDOW_MS = 10_000;

function logRefusals(server: Server, log: Log): void {
  let window: NodeJS.Timeout | undefined;
  let more = 0;
  const entry = (count: number) => ({ level: 'warn' as const, event: 'connections_refused', count, maxConnections: server.maxConnections });
  server.on('drop', () => {
    if (window) return void more++;
    log(entry(1));
    window = setTimeout(() => {
      if (more > 0) log(entry(more));
      more = 0;
      window = undefined;
    }, DROP_LOG_WINDOW_MS).unref();
  });
}

/**
 * @example
 * const server = boundedServer({ maxConnections: 500, requestTimeoutMs: 10_000 }, jsonLog(console.log));
 * server.on('request', createRequestListener(ctx));
 */
export function boundedServer(options: Pick<ServeOptions, 'maxConnections' | 'requestTimeoutMs'>, log: Log): Server {
  const server = createServer({
    headersTimeout: options.requestTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = options.maxConnections;
  logRefusals(server, log);
  return server;
}
