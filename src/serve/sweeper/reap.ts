/**
 * The reaper's drops: expired unclaimed databases and creates that died, each with its
 * role. A drop that fails is logged with the statement that failed, goes to the back of
 * the queue, and is tried again next sweep; it never holds up the others.
 */
import { dropRoleAndDatabase, type InDatabase } from '../postgres/cluster.js';
import { deleteRecord, takeForDeletion, touchRecord, type Queryable } from '../state/store.js';
import type { OnServers } from './sessions.js';
import type { SweepOptions } from './sweeper.js';

const BATCH = 50;

/** `db` telling `hear` each statement before it runs. */
function traced(db: Queryable, hear: (sql: string) => void): Queryable {
  const query = (text: unknown, ...rest: unknown[]) => {
    hear(typeof text === 'string' ? text : String((text as { text?: unknown }).text));
    return (db.query as (...a: unknown[]) => unknown)(text, ...rest);
  };
  return { query } as Queryable;
}

/** `inDatabase` with its sessions traced too, each statement naming the database it ran in. */
function tracedIn(inDatabase: InDatabase, hear: (sql: string) => void): InDatabase {
  return (database, work) => {
    hear(`(connect to ${database})`);
    return inDatabase(database, (there) => work(traced(there, (sql) => hear(`${sql} (in ${database})`))));
  };
}

/** Statements as logged: one line, parameters elsewhere, nothing secret (a drop sends none). */
const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * Drops one row's role and database; on failure, the statement that failed is in the error's `statement`.
 *
 * @example
 * await dropTraced(session, row.name, server.inDatabase);
 */
export async function dropTraced(db: Queryable, name: string, inDatabase: InDatabase): Promise<void> {
  let last = '';
  const hear = (sql: string) => (last = sql);
  try {
    await dropRoleAndDatabase(traced(db, hear), name, tracedIn(inDatabase, hear));
  } catch (error) {
    throw Object.assign(error as Error, { statement: oneLine(last) });
  }
}

/** When a reap hands the sweep back: `stop` asked (serve is stopping), or its time is up. */
export interface ReapBounds {
  signal?: AbortSignal;
  /** performance.now() past which no further drop starts; the rest waits for the next sweep. */
  until: number;
}

/**
 * Rows due, in batches, until every one is tried or `bounds` end it; returns the ids dropped,
 * and `more` when rows were left (the sweeper comes back soon rather than after its interval).
 * A row already marked DELETING and left is taken again next time.
 *
 * @example
 * const { dropped, more } = await dropExpired(state, on, options, { until: performance.now() + 10_000 });
 */
export async function dropExpired(client: Queryable, on: OnServers, options: SweepOptions, bounds: ReapBounds): Promise<{ dropped: string[]; more: boolean }> {
  const dropped: string[] = [];
  const failed: string[] = [];
  const done = () => bounds.signal?.aborted === true || performance.now() > bounds.until;
  for (let batch = await takeForDeletion(client, BATCH, failed); batch.length > 0; batch = await takeForDeletion(client, BATCH, failed)) {
    for (const row of batch) {
      if (done()) return { dropped, more: true };
      try {
        const server = on.server(row.server);
        if (!server.up) {
          failed.push(row.id); // its server is away: next sweep
          continue;
        }
        await dropTraced(on.session(row.server), row.name, server.inDatabase);
        await deleteRecord(client, row.id);
        dropped.push(row.id);
        options.observer.reaped(1);
        options.log({ level: 'info', event: 'database_dropped', id: row.id });
      } catch (error) {
        // Its login is gone if the role still exists; the rest is retried next sweep.
        failed.push(row.id);
        const { message, statement } = error as Error & { statement?: string };
        options.log({ level: 'error', event: 'drop_failed', id: row.id, name: row.name, statement, error: message });
        await touchRecord(client, row.id).catch(() => {}); // its session may be the one that died: the next statement gets a new one
      }
    }
  }
  return { dropped, more: false };
}
