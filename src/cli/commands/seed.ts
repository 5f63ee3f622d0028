/** `get-db seed <files…>`: seed the database already in the env file (e.g. after fixing a file). */
import { resolve } from 'node:path';
import { isGetDbError } from '../../errors.js';
import { findDatabaseUrl, readDatabaseRef, readProjectEnv } from '../../engine/project-env.js';
import { fetchStatusOf } from '../../engine/status.js';
import { apiUrlForFile } from '../../plan/plan.js';
import { clearPendingSeed, explainSeedFailure } from '../../engine/seed-step.js';
import { validateKey } from '../../plan/validate.js';
import { seedLine } from '../../report/human.js';
import { checkSeedFiles } from '../../seed/sources.js';
import { createOutput } from '../output.js';
import { showProgress } from '../progress.js';
import { abortOnSignals, canPrompt } from '../terminal.js';

interface SeedOptions {
  env: string;
  key: string;
  transaction: boolean;
  json?: boolean;
}

/**
 * A database that refuses the connection may be gone (expired, unclaimed): the server that made
 * it (the env file records which) can say so, and then the error says how to get a new one.
 */
async function goneOrAsIs(error: unknown, envFile: string): Promise<unknown> {
  if (!isGetDbError(error) || error.code !== 'SEED_FAILED' || !error.message.startsWith('Could not connect')) return error;
  try {
    const { claimUrl, apiUrl: recorded } = await readDatabaseRef(envFile);
    const apiUrl = apiUrlForFile(undefined, { recorded, envFile });
    await fetchStatusOf(envFile, process.cwd(), { apiUrl, claimUrl, timeoutMs: 5_000, retries: 0 });
  } catch (check) {
    if (isGetDbError(check) && check.code === 'NOT_FOUND') return check;
  }
  return error;
}

export default async function seed(raw: Record<string, unknown>, files: string[]): Promise<number> {
  const options = raw as unknown as SeedOptions;
  const out = createOutput(options.json === true);
  const key = validateKey(options.key);
  const paths = files.map((file) => resolve(file));
  await checkSeedFiles(paths);
  const envFile = resolve(options.env);
  const { key: usedKey, url } = findDatabaseUrl(await readProjectEnv(envFile), key);
  const { seedDatabase } = await import('../../seed/run.js');
  const cancel = abortOnSignals();
  const progress = showProgress(out, canPrompt({ yes: false, json: options.json }));
  try {
    progress.step(`Seeding through ${usedKey}`);
    const summary = await seedDatabase({
      connectionString: url,
      files: paths,
      transaction: options.transaction,
      signal: cancel.signal,
      onProgress: (p) => progress.seed(p),
    }).catch(async (error: unknown) => {
      // Said only when statements were sent: a statement failed (its file named) or a cancel.
      // A file the scan refused ("nothing was run") or a connection that failed ran nothing.
      const ran = isGetDbError(error) && (error.code === 'CANCELLED' || (error.code === 'SEED_FAILED' && error.details?.file !== undefined));
      if (!ran) throw await goneOrAsIs(error, envFile);
      throw explainSeedFailure(error, options.transaction, { failed: 'Fix the file and run the same command again.', cancelled: 'Run the same command again to seed it.' });
    });
    // A create's seed that never finished is finished now: its note goes.
    const warnings = await clearPendingSeed(envFile, key);
    progress.done();
    for (const warning of warnings) out.warn(warning);
    out.say(`${out.colors.green('✔')} Seeded: ${seedLine(summary)}`);
    out.result({ ok: true, action: 'seed', ...summary, warnings });
    return 0;
  } finally {
    progress.done();
    cancel.dispose();
  }
}
