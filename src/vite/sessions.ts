/**
 * Process-wide bookkeeping, shared by every copy of get-db loaded in this process (a
 * framework may load its config twice, run a client and a server compiler, or bundle the
 * config): one start per env file while its dev server lives, and none while a build runs.
 */

interface Session {
  done: Promise<void>;
  holders: number;
}

interface State {
  sessions: Map<string, Session>;
  builds: number;
  said: Set<string>;
}

// A global symbol, not a module variable: two copies of this module (e.g. a config bundled
// by the framework next to the installed package) must see the same state.
const STATE = Symbol.for('get-db.plugin-state');

function state(): State {
  const holder = globalThis as { [STATE]?: State };
  return (holder[STATE] ??= { sessions: new Map(), builds: 0, said: new Set() });
}

/** Calls `fn` on the first call only. */
function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}

/**
 * Marks a build as running in this process until the returned function is called: a dev
 * compiler a framework starts inside its build (React Router's child compiler) is no start.
 * @example
 * const done = markBuild(); // in the build's config hook
 * done();                   // in closeBundle
 */
export function markBuild(): () => void {
  state().builds++;
  return once(() => void state().builds--);
}

/**
 * True while a build runs in this process.
 * @example
 * if (buildRunning()) return; // a compiler started by a build: never a database
 */
export function buildRunning(): boolean {
  return state().builds > 0;
}

/**
 * One start per env file: the first caller runs `start` (create, remind, report); callers that
 * come while that start's server lives run `join` (read the file again, say nothing) after it.
 * Returns the release to call when this caller's server closes.
 * @example
 * const release = await openSession('/app/.env', () => ensure(loud), () => ensure(quiet));
 * // …on close:
 * release();
 */
export async function openSession(envFile: string, start: () => Promise<void>, join: () => Promise<void>): Promise<() => void> {
  const { sessions } = state();
  let session = sessions.get(envFile);
  if (session) {
    session.holders++;
    await session.done;
    await join();
  } else {
    session = { done: start(), holders: 1 };
    sessions.set(envFile, session);
    await session.done;
  }
  const mine = session;
  return once(() => {
    if (--mine.holders === 0 && sessions.get(envFile) === mine) sessions.delete(envFile);
  });
}

/**
 * True the first time this process asks about `message`: a line every compiler of a
 * framework would print is printed once.
 * @example
 * if (firstTime(line)) log.warn(line);
 */
export function firstTime(message: string): boolean {
  const { said } = state();
  if (said.has(message)) return false;
  said.add(message);
  return true;
}
