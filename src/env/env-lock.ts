/**
 * One writer per env file, across processes: a lock file beside the env file (its real
 * target, so a symlink and its target share one), made with O_EXCL ('wx'), which every OS
 * and file system get-db runs on makes atomic. It holds the holder's pid, host name and a
 * token; its mtime is a heartbeat, touched every few seconds while the work runs.
 *
 * A lock is stale, and taken over, when its holder is gone: on this host, its pid no longer
 * runs (a kill -9 is recovered at once); anywhere, its heartbeat stopped STALE_MS ago. Two
 * waiters never both take over one stale lock: removing it needs a second, short-lived
 * guard file, and the lock is re-read under the guard before it goes.
 *
 * Hand-written (~150 lines) rather than proper-lockfile: that library loads graceful-fs,
 * which patches the host's `fs` module on load, and signal-exit, which hooks the host's
 * signals; a library and a Vite plugin must do neither. Its staleness rule (mtime only)
 * would also leave a killed holder's lock in the way for its full timeout.
 */
import { hostname } from 'node:os';
import { open, readFile, stat, unlink, utimes } from './fs-calls.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cancelledError, GetDbError } from '../errors.js';
import { resolveTarget } from './env-file.js';

const HEARTBEAT_MS = 2_000;
/** No heartbeat for this long: the holder is gone (or frozen) even if its pid still runs. */
const STALE_MS = 15_000;
/** A lock file still empty after this long: its holder died between creating and writing it. */
const EMPTY_STALE_MS = 2_000;
const GUARD_STALE_MS = 5_000;
const NOTICE_AFTER_MS = 1_000;
const DEFAULT_WAIT_MS = 180_000;

export interface LockOptions {
  signal?: AbortSignal;
  /** Called once, when the wait for another run has lasted a second. */
  onWait?: () => void;
  /** Give up after waiting this long. Default 3 min (GET_DB_LOCK_WAIT_MS). */
  waitMs?: number;
}

export interface EnvLock {
  /** Where the lock file is. */
  path: string;
  /** True when another run held the lock first: what it wrote is in the file now. */
  waited: boolean;
  release(): Promise<void>;
}

interface Holder {
  raw: string;
  mtimeMs: number;
  pid?: number;
  host?: string;
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * The lock file for an env file: `<env file>.get-db.lock`, beside its real target.
 * @example
 * await lockPathFor('/app/.env'); // '/app/.env.get-db.lock'
 */
export async function lockPathFor(envFile: string): Promise<string> {
  return `${await resolveTarget(envFile)}.get-db.lock`;
}

function waitLimit(options: LockOptions): number {
  const fromEnv = Number(process.env.GET_DB_LOCK_WAIT_MS);
  if (options.waitMs !== undefined) return options.waitMs;
  return process.env.GET_DB_LOCK_WAIT_MS && Number.isFinite(fromEnv) && fromEnv >= 0 ? fromEnv : DEFAULT_WAIT_MS;
}

/**
 * Takes the env file's lock, waiting (bounded) while another run holds it.
 *
 * @example
 * const lock = await lockEnvFile('/app/.env', { onWait: () => console.error('waiting…') });
 * try { … } finally { await lock.release(); }
 */
export async function lockEnvFile(envFile: string, options: LockOptions = {}): Promise<EnvLock> {
  const path = await lockPathFor(envFile);
  const token = `${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const started = Date.now();
  const limit = waitLimit(options);
  let waited = false;
  let noticed = false;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(path, token)) return held(path, token, waited);
    const holder = await inspect(path);
    if (holder === undefined) continue; // released between our two looks
    if (isStale(holder)) {
      await removeStale(path, holder);
      continue;
    }
    waited = true;
    const elapsed = Date.now() - started;
    if (!noticed && elapsed >= NOTICE_AFTER_MS) {
      noticed = true;
      options.onWait?.();
    }
    if (elapsed >= limit) throw stillHeld(envFile, path, holder, elapsed);
    await pause(Math.min(50 * 2 ** Math.min(attempt, 2), 200), options.signal);
  }
}

async function tryCreate(path: string, token: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new GetDbError('ENV_WRITE_FAILED', `Could not create the lock file ${path} (${errorCode(error) ?? 'error'}).`, {
      hint: 'get-db keeps a lock file beside the env file while it writes; check that you may write in that folder.',
      cause: error,
    });
  }
  try {
    await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), token, at: new Date().toISOString() }));
  } finally {
    await handle.close();
  }
  return true;
}

function held(path: string, token: string, waited: boolean): EnvLock {
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  beat.unref();
  return {
    path,
    waited,
    release: async () => {
      clearInterval(beat);
      // Only our own: after a takeover (we were judged gone) the file is someone else's.
      const raw = await readFile(path, 'utf8').catch(() => '');
      if (raw.includes(`"token":"${token}"`)) await unlink(path).catch(() => undefined);
    },
  };
}

async function inspect(path: string): Promise<Holder | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let parsed: { pid?: unknown; host?: unknown } = {};
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      // still being written, or its writer died on the way: judged by age alone
    }
    const pid = typeof parsed.pid === 'number' ? parsed.pid : undefined;
    const host = typeof parsed.host === 'string' ? parsed.host : undefined;
    return { raw, mtimeMs: info.mtimeMs, pid, host };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // another user's process: it runs
  }
}

function isStale(holder: Holder): boolean {
  const age = Date.now() - holder.mtimeMs;
  if (holder.pid === undefined) return age > EMPTY_STALE_MS;
  if (holder.host === hostname() && !isRunning(holder.pid)) return true;
  return age > STALE_MS;
}

/** Removes the lock we judged stale, unless it changed meanwhile (another waiter took it over). */
async function removeStale(path: string, judged: Holder): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    // Another waiter is taking over; a guard left by one that died is removed after a while.
    const info = await stat(guard).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    await sleep(20);
    return;
  }
  try {
    const now = await inspect(path);
    if (now && now.raw === judged.raw && now.mtimeMs === judged.mtimeMs) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw cancelledError(error);
  }
}

function stillHeld(envFile: string, path: string, holder: Holder, elapsed: number): GetDbError {
  const who = holder.pid === undefined ? 'Another get-db run' : `Another get-db run (pid ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''})`;
  return new GetDbError('ENV_LOCKED', `${who} is still writing ${envFile}; stopped waiting after ${Math.round(elapsed / 1000)} s. Nothing was created.`, {
    hint: `Run again once it has finished. If no get-db is running, delete ${path}.`,
    details: { lockFile: path, pid: holder.pid ?? null },
  });
}
