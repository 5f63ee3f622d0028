/**
 * The main job end to end, offline: an embedded PostgreSQL behind `get-db serve`, then
 * `get-db -y --seed` in a fresh project folder, then a query through the URL it wrote.
 * Run: npm run demo
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'dotenv';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { startServe } from '../src/serve/index.js';
import { parseServeOptions } from '../src/serve/options.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/get-db.cjs');

function runGetDb(args: string[], cwd: string): Promise<number | null> {
  return new Promise((done) => {
    spawn(process.execPath, [BIN, ...args], { cwd, stdio: 'inherit' }).once('close', done);
  });
}

console.error('Starting an embedded PostgreSQL and get-db serve…');
const serve = await startServe(parseServeOptions({ embedded: true, port: '0', rateLimit: 'off' }), { log: () => {} });
try {
  const project = await mkdtemp(join(tmpdir(), 'get-db-demo-'));
  const seedFile = join(ROOT, 'fixtures/demo/schema.sql');
  console.error(`\n$ npx get-db -y --seed fixtures/demo/schema.sql --api-url ${serve.apiUrl}   (in ${project})\n`);
  const code = await runGetDb(['-y', '--seed', seedFile, '--api-url', serve.apiUrl], project);
  if (code !== 0) throw new Error(`get-db exited with ${code}`);
  const vars = parse(await readFile(join(project, '.env'), 'utf8'));
  const client = new pg.Client(pgConfigFromUrl(vars.DATABASE_URL!));
  await client.connect();
  const { rows } = await client.query(
    'select a.name as author, book_count(a.id)::int as books from authors a order by a.id',
  );
  await client.end();
  console.error('\nQuery through DATABASE_URL from the .env it wrote:');
  console.table(rows);
} finally {
  await serve.close();
}
