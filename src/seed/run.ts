/**
 * `seedDatabase`: SQL files, folders of migrations, pg_dump scripts and archives, standard
 * input or SQL text into a database, fast (batched statements, streamed COPY) and atomic (one
 * transaction by default). Checks everything it can before connecting; throws GetDbError,
 * never prints.
 */
import type { SeedProgress, SeedResult } from './types.js';
import { cancelledError, GetDbError, isGetDbError } from '../errors.js';
import type { BatchLimits } from './batcher.js';
import { SeedExecutor } from './executor.js';
import { pgConfigFromUrl } from './pg-config.js';
import { checkSeedInputs } from './input-checks.js';
import type { SeedInput } from './seed-input.js';
import { resolveSeedInputs, type FolderOrder, type SeedUnit } from './inputs.js';
import type { ScriptItem } from './psql-script.js';
import { ScriptChecks } from './script-checks.js';
import { checkConnects, prescanSeed, scanFits, type SeedScan } from './prescan.js';
import { ProgressCounter } from './progress.js';
import { cancelOnServer, connect } from './session.js';

export interface SeedOptions {
  /** The direct (not pooled) URL: a seed is one long session. */
  connectionString: string;
  /**
   * Run in this order: SQL files (gzip-compressed or not), pg_dump archives, folders of
   * migrations, `-` for standard input, or SQL text as `{ name, text }`.
   */
  files: SeedInput[];
  /** One transaction for all files (default): on any error nothing remains. */
  transaction?: boolean;
  signal?: AbortSignal;
  /** Called about every 100 ms while the seed runs, and once at the end. */
  onProgress?: (progress: SeedProgress) => void;
  /** Batch bounds; tests make them small. */
  batchLimits?: BatchLimits;
  /** Files up to this size are split once and kept from the pre-scan; tests set 0 to stream all. */
  keepSplitBytes?: number;
  /** What `-` reads (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** The folders among `files` and the order their files run in, once checked (before anything is sent). */
  onFolders?: (folders: FolderOrder[]) => void;
}

/**
 * What the seed runs: the pre-scan's units (with the items it kept), or, with no pre-scan and
 * one transaction, the units resolved only: each is then checked as it runs (`streaming`).
 */
interface RunPlan {
  units: SeedUnit[];
  kept: Map<number, ScriptItem[]>;
  dumpDatabase: string | undefined;
  streaming: boolean;
  dispose(): Promise<void>;
}

async function applyUnits(executor: SeedExecutor, plan: RunPlan, transaction: boolean): Promise<void> {
  try {
    for (const [index, unit] of plan.units.entries()) {
      await executor.runUnit(unit, plan.kept.get(index), plan.streaming ? new ScriptChecks(transaction) : undefined);
    }
    await executor.finish();
  } catch (error) {
    // Usually redundant (the server aborted the transaction already), never harmful.
    await executor.rollback().catch(() => {});
    throw error;
  }
}

/**
 * A create's pre-scan, if it fits; else, in one transaction, the inputs resolved and checked as
 * they run (a refusal rolls back what ran: read once, nothing waits for a pass of its own);
 * without one, a pre-scan first, since what runs stays. Connecting overlaps it either way.
 */
async function planAndConnect(options: SeedOptions, transaction: boolean, scanned: SeedScan | undefined) {
  const config = pgConfigFromUrl(options.connectionString);
  const reuse = scanned !== undefined && scanFits(scanned, options.files, transaction) ? scanned : undefined;
  if (!reuse) await checkSeedInputs(options.files);
  const connecting = connect(config, options.signal);
  connecting.catch(() => {});
  let plan: RunPlan | undefined;
  try {
    let scan = reuse;
    if (!scan && transaction) {
      const resolved = await resolveSeedInputs(options.files, { signal: options.signal, stdin: options.stdin });
      plan = { ...resolved, kept: new Map(), dumpDatabase: undefined, streaming: true };
      if (resolved.folders.length > 0) options.onFolders?.(resolved.folders);
    } else if (!scan) {
      scan = await prescanSeed(options.files, { transaction, signal: options.signal, keepBytes: options.keepSplitBytes, stdin: options.stdin });
      if (scan.folders.length > 0) options.onFolders?.(scan.folders);
    }
    if (scan) {
      plan = { ...scan, streaming: false };
      checkConnects(scan, String(config.database));
    }
    return { config, plan: plan!, client: await connecting };
  } catch (error) {
    void connecting.then((client) => client.end()).catch(() => {});
    await plan?.dispose();
    throw error;
  }
}

/** A refusal found while the files ran: what ran was rolled back, so nothing of it was kept. */
function rolledBack(error: unknown): unknown {
  if (!isGetDbError(error) || !error.message.endsWith('; nothing was run.')) return error;
  return new GetDbError(error.code, error.message.replace(/; nothing was run\.$/, '; nothing of the seed was kept.'), { hint: error.hint, cause: error, details: error.details });
}

/**
 * Seeds a database; `scanned` is the pre-scan a create made before the API call (see
 * `prescanSeed`), so the files are not checked twice. The summary's `warnings` say what of a
 * dump the database could not take (statements naming roles it does not have).
 *
 * @example
 * const summary = await seedDatabase({ connectionString: process.env.DATABASE_URL_DIRECT!, files: ['schema.sql', 'prisma/migrations'] });
 */
export async function seedDatabase(options: SeedOptions, scanned?: SeedScan): Promise<SeedResult> {
  const started = performance.now();
  const { signal } = options;
  const transaction = options.transaction ?? true;
  if (signal?.aborted) throw cancelledError(signal.reason);
  const { config, plan, client } = await planAndConnect(options, transaction, scanned);
  const progress = new ProgressCounter(plan.units.reduce((sum, unit) => sum + unit.size, 0), options.onProgress);
  const target = { dumpDatabase: plan.dumpDatabase, targetDatabase: String(config.database), user: String(config.user) };
  const executor = new SeedExecutor(client, { transaction, progress, signal, limits: options.batchLimits, target });
  // Cancelling stops the running statement on the server, then closes the session, so nothing
  // uncommitted survives (COMMIT is sent alone, last). Once COMMIT is on the wire the cancel
  // comes too late: its answer says what happened.
  const stop = () => {
    if (executor.committing) return;
    void cancelOnServer(config, client).finally(() => client.end().catch(() => {}));
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await applyUnits(executor, plan, transaction);
  } catch (error) {
    if (signal?.aborted) throw cancelledError(signal.reason);
    throw plan.streaming ? rolledBack(error) : error;
  } finally {
    signal?.removeEventListener('abort', stop);
    await plan.dispose();
    // Not awaited: the goodbye is one more round trip, and all is committed or rolled back.
    void client.end().catch(() => {});
  }
  progress.tick(true);
  const skipped = [...executor.filter.skipped.values()].reduce((sum, n) => sum + n, 0);
  return {
    statements: progress.statements,
    rowsCopied: progress.rowsCopied,
    files: plan.units.length,
    durationMs: Math.round(performance.now() - started),
    skipped,
    warnings: executor.filter.warnings(),
  };
}
