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
import { freePort } from '../src/serve/embedded.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/get-db.js');

function startServe(port: number): Promise<{ apiUrl: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--embedded', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let seen = '';
  return new Promise((resolveStart, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk;
      const match = /API URL:\s+(\S+)/.exec(seen);
      if (match) {
        resolveStart({
          apiUrl: match[1]!,
          stop: () => new Promise((done) => {
            child.once('close', () => done());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.once('close', (code) => reject(new Error(`get-db serve exited (${code}):\n${seen}`)));
  });
}

function runGetDb(args: string[], cwd: string): Promise<number | null> {
  return new Promise((done) => {
    spawn(process.execPath, [BIN, ...args], { cwd, stdio: 'inherit' }).once('close', done);
  });
}

console.error('Starting an embedded PostgreSQL and get-db serve…');
const serve = await startServe(await freePort());
try {
  const project = await mkdtemp(join(tmpdir(), 'get-db-demo-'));
  const seedFile = join(ROOT, 'fixtures/demo/schema.sql');
  console.error(`\n$ npx get-db -y --seed fixtures/demo/schema.sql --api-url ${serve.apiUrl}   (in ${project})\n`);
  const code = await runGetDb(['-y', '--seed', seedFile, '--api-url', serve.apiUrl], project);
  if (code !== 0) throw new Error(`get-db exited with ${code}`);
  const vars = parse(await readFile(join(project, '.env'), 'utf8'));
  const client = new pg.Client({ connectionString: vars.DATABASE_URL });
  await client.connect();
  const { rows } = await client.query(
    'select a.name as author, book_count(a.id)::int as books from authors a order by a.id',
  );
  await client.end();
  console.error('\nQuery through DATABASE_URL from the .env it wrote:');
  console.table(rows);
} finally {
  await serve.stop();
}
