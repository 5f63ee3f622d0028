import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { freshDatabase, tempDir, writeSeedFiles } from './helpers/seed.js';

const RUN_MODULE = pathToFileURL(resolve(import.meta.dirname, '../src/seed/run.ts')).href;

/** Seeds in a fresh Node process (TLS trust is read at startup), printing the outcome as JSON. */
async function seedInChild(url: string, file: string, env: NodeJS.ProcessEnv) {
  const script = join(tempDir(), 'seed-child.ts');
  writeFileSync(script, `
import { seedDatabase } from ${JSON.stringify(RUN_MODULE)};
seedDatabase({ connectionString: process.argv[2]!, files: [process.argv[3]!] }).then(
  (summary) => console.log(JSON.stringify({ ok: true, summary })),
  (error) => console.log(JSON.stringify({ ok: false, code: error.code, message: error.message, hint: error.hint })),
);
`);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, url, file], { env });
  return JSON.parse(stdout) as { ok: boolean; code?: string; message?: string; hint?: string };
}

test('certificates are verified: without the test CA the seed refuses the server', async () => {
  const db = await freshDatabase();
  const [file] = writeSeedFiles({ 'one.sql': 'CREATE TABLE t (id int);\n' });
  const trusted = await seedInChild(db.url, file!, process.env);
  expect(trusted).toMatchObject({ ok: true, summary: { statements: 1 } });
  const { NODE_EXTRA_CA_CERTS: _ca, ...untrusting } = process.env;
  const refused = await seedInChild(db.url, file!, untrusting);
  expect(refused).toMatchObject({ ok: false, code: 'SEED_FAILED' });
  expect(refused.message).toMatch(/Could not connect .*(self-signed|unable to verify|certificate)/i);
  expect(refused.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
});
