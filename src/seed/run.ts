/**
 * `seedDatabase`: SQL files and pg_dump scripts into a database, fast (batched
 * statements, streamed COPY) and atomic (one transaction by default). Checks
 * everything it can before connecting; throws GetDbError, never prints.
 */
import type pg from 'pg';
import type { SeedProgress, SeedSummary } from './types.js';
import { cancelledError } from '../errors.js';
import type { BatchLimits } from './batcher.js';
import { connectFailed } from './errors.js';
import { SeedExecutor } from './executor.js';
import { pgConfigFromUrl } from './pg-config.js';
import { checkConnects, prescanSeedFiles, scanFits, type SeedScan } from './prescan.js';
import { ProgressCounter } from './progress.js';
import { cancelOnServer, createClient } from './session.js';
import { checkSeedFiles, seedFileSize } from './sources.js';
import type { SqlItem } from './splitter.js';

export interface SeedOptions {
  /** The direct (not pooled) URL: a seed is one long session. */
  connectionString: string;
  /** Run in this order; `.sql` or `.sql.gz`. */
  files: string[];
  /** One transaction for all files (default): on any error nothing remains. */
  transaction?: boolean;
  signal?: AbortSignal;
  /** Called about every 100 ms while the seed runs, and once at the end. */
  onProgress?: (progress: SeedProgress) => void;
  /** Batch bounds; tests make them small. */
  batchLimits?: BatchLimits;
  /** Files up to this size are split once and kept from the pre-scan; tests set 0 to stream all. */
  keepSplitBytes?: number;
}

async function connect(config: pg.ClientConfig, signal: AbortSignal | undefined): Promise<pg.Client> {
  const client = createClient(config);
  const stop = () => void client.end().catch(() => {});
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await client.connect();
    return client;
  } catch (error) {
    if (signal?.aborted) throw cancelledError(signal.reason);
    throw connectFailed(String(config.host), error);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

async function applyFiles(executor: SeedExecutor, files: string[], sizes: number[], kept: Map<string, SqlItem[]>): Promise<void> {
  try {
    for (const [index, file] of files.entries()) await executor.runFile(file, sizes[index]!, kept.get(file));
    await executor.finish();
  } catch (error) {
    // Usually redundant (the server aborted the transaction already), never harmful.
    await executor.rollback().catch(() => {});
    throw error;
  }
}

/**
 * Seeds a database; `scanned` is the pre-scan a create made before the API call (see
 * `prescanSeedFiles`), so the files are not checked twice.
 *
 * @example
 * const summary = await seedDatabase({ connectionString: process.env.DATABASE_URL_DIRECT!, files: ['schema.sql'] });
 */
export async function seedDatabase(options: SeedOptions, scanned?: SeedScan): Promise<SeedSummary> {
  const started = performance.now();
  const { files, signal } = options;
  const transaction = options.transaction ?? true;
  if (signal?.aborted) throw cancelledError(signal.reason);
  const config = pgConfigFromUrl(options.connectionString);
  const reuse = scanned !== undefined && scanFits(scanned, files, transaction) ? scanned : undefined;
  if (!reuse) await checkSeedFiles(files);
  // Connecting (round trips, maybe a cold start) overlaps the pre-scan (local reading);
  // nothing is sent until the pre-scan has passed.
  const connecting = connect(config, signal);
  connecting.catch(() => {});
  let scan: SeedScan;
  try {
    scan = reuse ?? (await prescanSeedFiles(files, { transaction, signal, keepBytes: options.keepSplitBytes }));
    checkConnects(scan, String(config.database));
  } catch (error) {
    void connecting.then((client) => client.end()).catch(() => {});
    throw error;
  }
  const sizes = await Promise.all(files.map(seedFileSize));
  const progress = new ProgressCounter(sizes.reduce((sum, size) => sum + size, 0), options.onProgress);
  const client = await connecting;
  const executor = new SeedExecutor(client, { transaction, progress, signal, limits: options.batchLimits });
  // Cancelling stops the running statement on the server, then closes the session, so nothing
  // uncommitted survives (COMMIT is sent alone, last). Once COMMIT is on the wire the cancel
  // comes too late: its answer says what happened.
  const stop = () => {
    if (executor.committing) return;
    void cancelOnServer(config, client).finally(() => client.end().catch(() => {}));
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await applyFiles(executor, files, sizes, scan.kept);
  } catch (error) {
    if (signal?.aborted) throw cancelledError(signal.reason);
    throw error;
  } finally {
    signal?.removeEventListener('abort', stop);
    // Not awaited: the goodbye is one more round trip, and all is committed or rolled back.
    void client.end().catch(() => {});
  }
  progress.tick(true);
  return {
    statements: progress.statements,
    rowsCopied: progress.rowsCopied,
    files: files.length,
    durationMs: Math.round(performance.now() - started),
  };
}
