/**
 * The reaper: drops expired unclaimed databases with their roles (reap.ts), keeps unclaimed
 * ones over the storage limit read-only and locks out one grown past twice the limit
 * (storage.ts), bounds what tenants take outside their databases (guard.ts), keeps every
 * role's connection limit, drops what a start killed mid-trial left, and forgets old
 * rate-limit windows. Safe with many serve processes: one sweeps at a time (a row lock on
 * serve's own `leases` table, which no tenant can touch, released if its process dies), and
 * each row changes state by a conditional UPDATE. No tenant can stop it: each step runs on
 * its own, a statement that fails (even one that ends its session) is logged and retried
 * next sweep, and never holds up the rest. The time-critical steps (storage, the guard) go
 * first; drops have a time budget per sweep, and a stop ends a sweep between two drops, so
 * neither a tenant writing past its limit nor a restart waits for a long drain (hundreds of
 * databases expiring at once take minutes).
 */
import type pg from 'pg';
import { ident, rolesWithOtherLimit } from '../postgres/cluster.js';
import type { Servers } from '../postgres/servers.js';
import { dropStaleTrials } from '../postgres/trial.js';
import { withLease } from '../state/state-schema.js';
import { pruneRateWindows } from '../state/rate-windows.js';
import { liveRoles, type Queryable } from '../state/store.js';
import type { Log } from '../log.js';
import type { Observer } from '../observe.js';
import type { Guard } from './guard.js';
import { dropExpired } from './reap.js';

/** How long one sweep may spend dropping; the next sweep, a second later, goes on. */
const REAP_BUDGET_MS = 10_000;
/** The pause before the next sweep when drops are left over. */
const DRAIN_PAUSE_MS = 1_000;
import { onServers, renewingSession, type OnServers } from './sessions.js';
import { limitStorage } from './storage.js';

export interface SweepOptions {
  storageLimitBytes: number;
  rateLimitPeriodMs: number | undefined;
  /** CONNECTION LIMIT every live role should have. */
  connectionsPerDatabase: number;
  servers: Servers;
  log: Log;
  observer: Observer;
  /** Without one (a caller that only reaps), the guard's checks are skipped. */
  guard?: Guard;
}

export interface SweepReport {
  ran: boolean;
  dropped: string[];
  madeReadOnly: string[];
  /** Expired rows left for the next sweep (its budget ran out, or it was stopped). */
  more: boolean;
}

const message = (error: unknown) => (error as Error).message;

async function keepConnectionLimits(client: Queryable, on: OnServers, options: SweepOptions): Promise<void> {
  const roles = await liveRoles(client);
  for (const server of options.servers.all) {
    const names = roles.filter((role) => options.servers.of(role.server) === server).map((role) => role.name);
    if (names.length === 0 || !server.up) continue;
    try {
      const cluster = on.session(server.key);
      for (const name of await rolesWithOtherLimit(cluster, names, options.connectionsPerDatabase)) {
        await cluster.query(`ALTER ROLE ${ident(name)} CONNECTION LIMIT ${options.connectionsPerDatabase}`).catch((error: unknown) =>
          options.log({ level: 'error', event: 'connection_limit_failed', name, error: message(error) }),
        );
      }
    } catch (error) {
      options.log({ level: 'error', event: 'connection_limit_failed', server: server.key, error: message(error) });
    }
  }
}

/** Trial roles and databases a start killed mid-trial left, on every server that answers. */
async function dropLeftoverTrials(on: OnServers, options: SweepOptions): Promise<void> {
  for (const server of options.servers.healthy()) {
    for (const failure of await dropStaleTrials(on.session(server.key), server.inDatabase)) {
      options.log({ level: 'error', event: 'drop_failed', server: server.key, name: failure.name, error: failure.error });
    }
  }
}

/**
 * One sweep, unless another process is sweeping. `signal` ends it early: between two drops,
 * or before the next step.
 *
 * @example
 * const report = await sweepOnce(pool, options);
 */
export async function sweepOnce(pool: pg.Pool, options: SweepOptions, signal?: AbortSignal): Promise<SweepReport> {
  const report = await withLease(pool, 'sweep', async () => {
    const state = renewingSession(pool);
    const on = onServers(state, options.servers);
    const result: SweepReport = { ran: true, dropped: [], madeReadOnly: [], more: false };
    const reap = async () => {
      const { dropped, more } = await dropExpired(state, on, options, { signal, until: performance.now() + REAP_BUDGET_MS });
      Object.assign(result, { dropped, more });
    };
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['storage', async () => (result.madeReadOnly = await limitStorage(state, on, options))],
      ['guard', () => options.guard?.sweep(state, on) ?? Promise.resolve()],
      ['reap', reap],
      ['connection_limits', () => keepConnectionLimits(state, on, options)],
      ['trials', () => dropLeftoverTrials(on, options)],
      ['rate_windows', () => (options.rateLimitPeriodMs === undefined ? Promise.resolve() : pruneRateWindows(state, options.rateLimitPeriodMs))],
    ];
    try {
      for (const [step, run] of steps) {
        if (signal?.aborted) break;
        await run().catch((error: unknown) => options.log({ level: 'error', event: 'sweep_step_failed', step, error: message(error) }));
      }
      return result;
    } finally {
      on.release();
      state.release();
    }
  });
  return report ?? { ran: false, dropped: [], madeReadOnly: [], more: false };
}

/**
 * Sweeps now, then `intervalMs` after each sweep ends (a second, while drops are left over);
 * `stop` ends one in progress between two drops and waits for that.
 *
 * @example
 * const sweeper = startSweeper(pool, 30_000, options); await sweeper.stop();
 */
export function startSweeper(pool: pg.Pool, intervalMs: number, options: SweepOptions): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const stopping = new AbortController();
  const tick = () => {
    running = sweepOnce(pool, options, stopping.signal)
      .then(
        (report) => report.more,
        (error: unknown) => (options.log({ level: 'error', event: 'sweep_failed', error: message(error) }), false),
      )
      .then((more) => {
        if (!stopping.signal.aborted) timer = setTimeout(tick, more ? Math.min(DRAIN_PAUSE_MS, intervalMs) : intervalMs);
      });
  };
  tick();
  return {
    stop: async () => {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
