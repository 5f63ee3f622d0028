/**
 * What serve counts, as an interface the request handlers and the reaper call. Without
 * `--metrics` it is `NO_METRICS` and prom-client is never loaded (see metrics.ts).
 */

/**
 * How a create ended: `created` (made on demand), `pooled` (handed out from the warm
 * pool), `invalid` (400/403/415/500: the request), `rate_limited` (429), `busy` (503: the create
 * queue is full), `paused` (503: an operator paused creates), `full` (503: the server is full —
 * see `refused`), `unavailable` (503: PostgreSQL away), `failed` (500).
 */
export type CreateOutcome = 'created' | 'pooled' | 'invalid' | 'rate_limited' | 'busy' | 'paused' | 'full' | 'unavailable' | 'failed';

export interface Observer {
  /** `seconds`: the whole request, for creates that made or handed out a database. */
  create(outcome: CreateOutcome, seconds?: number): void;
  claimed(): void;
  reaped(count: number): void;
  /** An MCP tool call at /mcp, by tool and whether it answered a result or a tool error. */
  toolCall(tool: string, outcome: 'ok' | 'error'): void;
  /** A create answered 503 because the server is full, and why (capacity.ts's `FullReason`). */
  refused(reason: string): void;
}

export const NO_METRICS: Observer = {
  create: () => {},
  claimed: () => {},
  reaped: () => {},
  toolCall: () => {},
  refused: () => {},
};
