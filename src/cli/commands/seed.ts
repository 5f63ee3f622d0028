/** `get-db seed <paths…>`: seed the database already in the env file (e.g. after fixing a file). */
import { resolve } from 'node:path';
import { seedProjectDatabase } from '../../engine/seed-project.js';
import { validateKey } from '../../plan/validate.js';
import { seedLine } from '../../report/human.js';
import { folderOrderLines } from '../../seed/folder-order.js';
import { STDIN } from '../../seed/seed-input.js';
import { createOutput } from '../output.js';
import { showProgress } from '../progress.js';
import { abortOnSignals, canPrompt } from '../terminal.js';

interface SeedOptions {
  env: string;
  key: string;
  transaction: boolean;
  json?: boolean;
}

export default async function seed(raw: Record<string, unknown>, files: string[]): Promise<number> {
  const options = raw as unknown as SeedOptions;
  const out = createOutput(options.json === true);
  const key = validateKey(options.key);
  // `-` is standard input, not a file in the current folder.
  const paths = files.map((file) => (file === STDIN ? file : resolve(file)));
  const cancel = abortOnSignals();
  const progress = showProgress(out, canPrompt({ yes: false, json: options.json }));
  try {
    const { summary, warnings } = await seedProjectDatabase({
      envFile: resolve(options.env),
      key,
      files: paths,
      transaction: options.transaction,
      signal: cancel.signal,
      onStart: (usedKey) => progress.step(`Seeding through ${usedKey}`),
      onProgress: (p) => progress.seed(p),
      onFolders: (folders) => {
        progress.done();
        for (const line of folders.flatMap(folderOrderLines)) out.say(out.colors.dim(line));
      },
      finish: { failed: 'Fix the file and run the same command again.', cancelled: 'Run the same command again to seed it.' },
    });
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
