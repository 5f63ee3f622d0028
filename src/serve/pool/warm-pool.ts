/**
 * The warm pool (`--pool <n>`): n databases made ahead, so a create is one short
 * transaction (hand-out.ts). Every serve process on the same state runs
 * a filler, but one fills at a time (a row lock on the `pool` lease, released if its
 * process dies), with at most FILL_CONCURRENCY creates at once so hand-outs and
 * on-demand creates keep most of the admin sessions. READY rows live in the shared
 * state, so the pool outlasts restarts.
 */
import { makeReady } from '../databases.js';
import type { Servers } from '../postgres/servers.js';
import type { Log } from '../log.js';
import { withLease } from '../state/state-schema.js';
import { poolRoom } from '../state/pool-rows.js';
import { roomOnDisk } from '../capacity.js';

/** Two CREATE DATABASEs at once: most of a create's time is the server copying files. */
export const FILL_CONCURRENCY = 2;
/** How often a filler looks at the pool when nothing told it to. */
const CHECK_EVERY_MS = 1_000;
/**
 * A hand-out asks for a refill this long after (once, however many follow): a burst is
 * served before CREATE DATABASEs compete with it for sessions and CPU.
 */
const NUDGE_DELAY_MS = 300;

export interface PoolFiller {
  /** A database was handed out: look again now rather than at the next check. */
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * Makes READY databases until there are `size` (or `--max-databases` is reached).
 * Stops early when `stopped()` says so. Returns how many it made.
 *
 * @example
 * await fillOnce(servers, 20, () => false, log);
 */
export async function fillOnce(servers: Servers, size: number, stopped: () => boolean, log: Log): Promise<number> {
  const pool = servers.all[0]!.pool;
  const made = await withLease(pool, 'pool', async () => {
    // Servers under their free-disk floor take no more (a create would be refused: capacity.ts).
    const { ready, room } = await poolRoom(pool, servers.healthy().filter(roomOnDisk).reduce((sum, server) => sum + server.limits.maxDatabases, 0));
    let wanted = Math.min(size - ready, room);
    let count = 0;
    const worker = async () => {
      while (wanted > 0 && !stopped()) {
        wanted--;
        try {
          await makeReady(servers);
          count++;
        } catch (error) {
          wanted = 0; // the others stop too; the next check tries again
          throw error;
        }
      }
    };
    // Every worker has finished before the lease is let go, even when one failed.
    const results = await Promise.allSettled(Array.from({ length: FILL_CONCURRENCY }, worker));
    if (count > 0) log({ level: 'info', event: 'pool_filled', made: count });
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return count;
  });
  return made ?? 0;
}

/**
 * Keeps the pool at `size`: fills now, after each nudge, and every CHECK_EVERY_MS.
 * A failure (PostgreSQL away, no room) is logged and tried again at the next check.
 *
 * @example
 * const filler = startPoolFiller(servers, 20, log); filler.nudge(); await filler.stop();
 */
export function startPoolFiller(servers: Servers, size: number, log: Log): PoolFiller {
  let stopped = false;
  let again = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let nudged: NodeJS.Timeout | undefined;
  const run = () => {
    if (stopped) return;
    if (running) return void (again = true);
    clearTimeout(timer);
    running = fillOnce(servers, size, () => stopped, log)
      .then(
        () => {},
        (error: unknown) => log({ level: 'warn', event: 'pool_fill_failed', error: (error as Error).message }),
      )
      .finally(() => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          return run();
        }
        timer = setTimeout(run, CHECK_EVERY_MS);
      });
  };
  run();
  return {
    nudge: () => {
      nudged ??= setTimeout(() => {
        nudged = undefined;
        run();
      }, NUDGE_DELAY_MS);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(nudged);
      await running;
    },
  };
}
