/**
 * What serve answers while it starts: the port opens first (so a port conflict is found
 * before PostgreSQL is prepared), and until serve is ready every request gets 503 with
 * Retry-After, never silence. A load balancer's health check sees it as not ready yet.
 */
import type { RequestListener } from 'node:http';
import { unavailablePage } from './claim-page.js';
import { sendHtml, sendJson } from './http-io.js';
import { RETRY_AFTER_SECONDS } from '../unavailable.js';

/**
 * Answers `ready`'s requests once it is set; 503 before.
 *
 * @example
 * const gate = startingGate(); server.on('request', gate.listener); … gate.open(createRequestListener(ctx));
 */
export function startingGate(): { listener: RequestListener; open(ready: RequestListener): void } {
  let ready: RequestListener | undefined;
  const listener: RequestListener = (req, res) => {
    if (ready) return ready(req, res);
    req.resume();
    const retry = { 'retry-after': String(RETRY_AFTER_SECONDS) };
    if ((req.url ?? '').startsWith('/claim/')) return sendHtml(res, 503, unavailablePage(), retry);
    sendJson(res, 503, { error: 'Starting', hint: `get-db serve is starting; try again in ${RETRY_AFTER_SECONDS} s.`, reason: 'starting' }, retry);
  };
  return { listener, open: (next) => void (ready = next) };
}
