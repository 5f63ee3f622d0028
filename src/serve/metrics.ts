/**
 * `GET /metrics` in Prometheus' text format, with prom-client. Loaded only with
 * `--metrics` (a dynamic import), and only the registry and the three metric types are
 * bundled, not prom-client's index (push gateway, cluster aggregation, default process
 * metrics). Each serve instance has its own registry, so several in one process (tests,
 * a library user) do not clash. Counters count this process's work; the gauges are read
 * from the shared state at each scrape, so every process reports the same fleet-wide
 * numbers (aggregate them with max, not sum).
 */
import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Histogram from 'prom-client/lib/histogram.js';
import Registry from 'prom-client/lib/registry.js';
import type { Observer } from './observe.js';

/** Per server: live databases by state, and warm-pool databases ready to hand out. */
export interface FleetCounts {
  /** Every configured server, so one with nothing READY reports 0. */
  servers: string[];
  databases: Array<{ server: string; state: string; count: number }>;
  /** Free disk per server as serve last read it (undefined: it cannot read it). */
  disk: Array<{ server: string; freeBytes: number | undefined }>;
}

export interface ServeMetrics extends Observer {
  /** The text a scrape gets, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** A create on demand takes ~50 ms to seconds; one from the pool a few milliseconds. */
const CREATE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/**
 * @example
 * const metrics = createMetrics(async () => ({ servers: ['db:5432'], databases: [{ server: 'db:5432', state: 'UNCLAIMED', count: 3 }], disk: [{ server: 'db:5432', freeBytes: 5e9 }] }));
 * metrics.create('created', 0.08);
 * const { body } = await metrics.render();
 */
export function createMetrics(readFleet: () => Promise<FleetCounts>): ServeMetrics {
  const registers = [new Registry()];
  const creates = new Counter({ name: 'get_db_serve_creates_total', help: 'Create requests by outcome', labelNames: ['outcome'], registers });
  const latency = new Histogram({
    name: 'get_db_serve_create_duration_seconds',
    help: 'Time to answer a create that made or handed out a database',
    labelNames: ['source'],
    buckets: CREATE_BUCKETS,
    registers,
  });
  const claims = new Counter({ name: 'get_db_serve_claims_total', help: 'Databases claimed', registers });
  const reaped = new Counter({ name: 'get_db_serve_reaped_total', help: 'Databases (and roles) dropped by the reaper', registers });
  const toolCalls = new Counter({ name: 'get_db_serve_mcp_tool_calls_total', help: 'MCP tool calls at /mcp, by tool and outcome (ok, error)', labelNames: ['tool', 'outcome'], registers });
  const rateLimited = new Counter({ name: 'get_db_serve_rate_limited_total', help: 'Creates refused with 429', registers });
  const refused = new Counter({ name: 'get_db_serve_creates_refused_total', help: 'Creates refused with 503 because the server is full, by reason', labelNames: ['reason'], registers });
  const diskFree = new Gauge({ name: 'get_db_serve_disk_free_bytes', help: 'Free disk as serve reads it, by server (absent: it cannot read it)', labelNames: ['server'], registers });
  const databases = new Gauge({ name: 'get_db_serve_databases', help: 'Databases in the state, by server and state (READY: the warm pool)', labelNames: ['server', 'state'], registers });
  const poolReady = new Gauge({ name: 'get_db_serve_pool_ready', help: 'Warm-pool databases ready to hand out, by server', labelNames: ['server'], registers });
  const registry = registers[0]!;
  return {
    create(outcome, seconds) {
      creates.inc({ outcome });
      if (outcome === 'rate_limited') rateLimited.inc();
      if (seconds !== undefined) latency.observe({ source: outcome === 'pooled' ? 'pool' : 'new' }, seconds);
    },
    claimed: () => claims.inc(),
    reaped: (count) => reaped.inc(count),
    toolCall: (tool, outcome) => toolCalls.inc({ tool, outcome }),
    refused: (reason) => refused.inc({ reason }),
    async render() {
      const fleet = await readFleet();
      databases.reset();
      poolReady.reset();
      diskFree.reset();
      for (const { server, freeBytes } of fleet.disk) if (freeBytes !== undefined) diskFree.set({ server }, freeBytes);
      for (const server of fleet.servers) poolReady.set({ server }, 0);
      for (const row of fleet.databases) {
        databases.set({ server: row.server, state: row.state }, row.count);
        if (row.state === 'READY') poolReady.set({ server: row.server }, row.count);
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
