/**
 * One heartbeat per server, every second, on a session of its own: a server that does not
 * answer within BEAT_DEADLINE_MS (stopped, frozen by SIGSTOP, cut off by the network) is
 * reported silent within about 3.5 s, whatever serve's other sessions are waiting on. Each
 * beat also reads what tenants can fill outside their databases' files: the NOTIFY queue
 * and the shared catalogs (and who lately wrote to them).
 */
import pg from 'pg';
import { CONNECT_TIMEOUT_MS, openClient } from './admin-session.js';
import { NOTIFY_QUEUE_BYTES_SQL, SHARED_CATALOG_BYTES_SQL } from './disk.js';
import { CATALOG_WRITERS_SQL } from './pressure.js';
import { USERS_GROUP } from '../state/state-schema.js';

export const BEAT_EVERY_MS = 1_000;
/** A beat not answered in this long finds the server silent. */
export const BEAT_DEADLINE_MS = 2_500;
/** An event loop this late (a blocked serve, not a silent server) gets one more look at the socket. */
const LATE_BY_MS = 250;

export interface Beat {
  notifyBytes: number;
  sharedCatalogBytes: number;
  /** Tenants whose latest statement, lately, could change the shared catalogs. */
  catalogWriters: string[];
}

export interface WatchHooks {
  /** Each beat answered. */
  beat(reading: Beat): void;
  /** Each beat not answered in time (or refused). */
  silent(error: Error): void;
}

const BEAT_SQL = `SELECT ${NOTIFY_QUEUE_BYTES_SQL} AS "notifyBytes", ${SHARED_CATALOG_BYTES_SQL} AS "sharedCatalogBytes"`;

/** What a beat that got no answer in time fails with (not a refusal: the server may just be slow). */
export const NO_ANSWER = 'BEAT_DEADLINE';

/** `work` or a rejection once BEAT_DEADLINE_MS pass (then `abandon` runs), forgiving a late event loop once. */
function withinDeadline<T>(work: Promise<T>, abandon: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const due = performance.now() + BEAT_DEADLINE_MS;
    const expire = (lateChecked: boolean) => {
      if (!lateChecked && performance.now() - due > LATE_BY_MS) return void (timer = setTimeout(() => expire(true), 50));
      abandon();
      reject(Object.assign(new Error(`no answer within ${BEAT_DEADLINE_MS} ms`), { code: NO_ANSWER }));
    };
    let timer = setTimeout(() => expire(false), BEAT_DEADLINE_MS);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

/**
 * Starts beating at once.
 *
 * @example
 * const watchdog = startWatchdog(adminConfig, { beat: (reading) => {}, silent: (error) => {} });
 * await watchdog.stop();
 */
export function startWatchdog(config: pg.ClientConfig, hooks: WatchHooks): { stop(): Promise<void> } {
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const drop = () => {
    void client?.end().catch(() => {});
    client = undefined;
  };
  const once = async () => {
    try {
      if (!client) {
        const connecting = openClient({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: `${config.application_name ?? 'get-db serve'} watchdog` });
        client = await withinDeadline(connecting, () => void connecting.then((c) => c.end()).catch(() => {}));
      }
      const session = client;
      const abandon = () => void session.end().catch(() => {});
      const { rows } = await withinDeadline(session.query<Omit<Beat, 'catalogWriters'>>(BEAT_SQL), abandon);
      // A reading for the guard, never a reason to find the server silent.
      const writers = await withinDeadline(session.query<{ writers: string[] }>(CATALOG_WRITERS_SQL, [USERS_GROUP]), abandon).then(
        (answer) => answer.rows[0]!.writers,
        () => [],
      );
      hooks.beat({ ...rows[0]!, catalogWriters: writers });
    } catch (error) {
      drop();
      hooks.silent(error as Error);
    }
  };
  const tick = () => {
    running = once().finally(() => {
      if (!stopped) timer = setTimeout(tick, BEAT_EVERY_MS);
    });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
      drop();
    },
  };
}
