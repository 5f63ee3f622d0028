/**
 * Seed benchmark: our seed vs `psql -f` and `psql -1 -f` (when psql is on PATH), for
 * 10,000 small statements and a ~200 MB pg_dump-style COPY script, at 0 ms and 25 ms
 * added round-trip latency. Its own PostgreSQL (embedded, plain TCP + SCRAM: TLS would
 * cost every tool the same), its own inputs, a fresh database per run; prints markdown.
 *
 *   npx tsx bench/seed.ts [--runs 3] [--small-runs 9] [--dump-mb 200] [--statements 10000] [--from-source]
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { startEmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { flag, listOption, numberOption } from './args.js';
import { startLatencyProxy } from './latency-proxy.js';

const RUNS = numberOption('runs', 3);
// A small seed takes well under a second: more runs for a steady median.
const SMALL_RUNS = numberOption('small-runs', 9);
const DUMP_MB = numberOption('dump-mb', 200);
const SMALL_STATEMENTS = numberOption('statements', 10_000);
const LATENCIES = listOption('latencies', ['0', '25']).map(Number);
// e.g. --inputs dump: only the COPY dump (the 10,000 statements over 25 ms cost psql ~5 min).
const INPUTS = listOption('inputs', ['statements', 'dump']);
const ROOT = resolve(import.meta.dirname, '..');

type Tool = 'get-db' | 'psql -f' | 'psql -1 -f';
interface Sample { ms: number; rssMb?: number }

// ---- inputs -------------------------------------------------------------------------

async function writeLines(path: string, produce: (write: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
  const out = createWriteStream(path);
  let pending: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!out.write(pending.join(''))) await once(out, 'drain');
    pending = [];
    size = 0;
  };
  await produce(async (text) => {
    pending.push(text);
    size += text.length;
    if (size > 1 << 20) await flush();
  });
  await flush();
  out.end();
  await once(out, 'finish');
}

function smallStatements(path: string): Promise<void> {
  return writeLines(path, async (write) => {
    await write('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), updated_at timestamptz);\n');
    for (let i = 1; i < SMALL_STATEMENTS; i++) {
      await write(i % 10 === 0
        ? `UPDATE items SET price = price * 1.1, updated_at = '2024-01-01' WHERE id = ${i - 5};\n`
        : `INSERT INTO items (id, name, price) VALUES (${i}, 'item ''${i}''', ${(i % 997) / 4});\n`);
    }
  });
}

const DUMP_HEADER = `--
-- PostgreSQL database dump
--

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET client_min_messages = warning;

CREATE TABLE public.users (id bigint NOT NULL, email text NOT NULL, name text, bio text, created_at timestamp with time zone);
CREATE TABLE public.orders (id bigint NOT NULL, user_id bigint NOT NULL, amount numeric(12,2), status text, placed_at timestamp with time zone);
CREATE TABLE public.events (id bigint NOT NULL, user_id bigint NOT NULL, kind text, payload jsonb, at timestamp with time zone);

`;

const DUMP_FOOTER = `
ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.events ADD CONSTRAINT events_pkey PRIMARY KEY (id);
CREATE INDEX orders_user_id_idx ON public.orders USING btree (user_id);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- PostgreSQL database dump complete
--
`;

/** A pg_dump-shaped plain script: three tables, COPY blocks (~1/10, 2/10, 7/10 of the bytes), then keys. */
function copyDump(path: string, megabytes: number): Promise<void> {
  const users = Math.round(megabytes * 1300);
  const orders = Math.round(megabytes * 7000);
  const events = Math.round(megabytes * 8000);
  const stamp = (i: number) => `2024-0${1 + (i % 9)}-1${i % 10} 12:${10 + (i % 50)}:00+00`;
  return writeLines(path, async (write) => {
    await write(DUMP_HEADER);
    await write('COPY public.users (id, email, name, bio, created_at) FROM stdin;\n');
    for (let i = 1; i <= users; i++) await write(`${i}\tuser${i}@example.com\tUser Nümber ${i}\tLikes\\ttabs and\\nnew lines; ${'x'.repeat(i % 20)}\t${stamp(i)}\n`);
    await write('\\.\n\n\nCOPY public.orders (id, user_id, amount, status, placed_at) FROM stdin;\n');
    for (let i = 1; i <= orders; i++) await write(`${i}\t${1 + (i % users)}\t${(i % 10007) / 100}\t${i % 3 ? 'paid' : 'new'}\t${stamp(i)}\n`);
    await write('\\.\n\n\nCOPY public.events (id, user_id, kind, payload, at) FROM stdin;\n');
    for (let i = 1; i <= events; i++) await write(`${i}\t${1 + (i % users)}\tclick\t{"page": "/p/${i % 500}", "ms": ${i % 900}, "tags": ["a", "b"]}\t${stamp(i)}\n`);
    await write(`\\.\n${DUMP_FOOTER}`);
  });
}

// ---- runs ---------------------------------------------------------------------------

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function psqlPath(): Promise<boolean> {
  return promisify(execFile)('psql', ['--version']).then(() => true, () => false);
}

const REQUIRE_BANNER = "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);";

/** The seed module as users run it: dist/ when built (npm run bench:seed), else bundled here the same way. */
async function seedModule(dir: string): Promise<{ path: string; label: string }> {
  const dist = join(ROOT, 'dist/index.js');
  if (flag('from-source')) return { path: join(ROOT, 'src/seed/run.ts'), label: 'src/ via tsx' };
  if (existsSync(dist) && readFileSync(dist, 'utf8').includes('seedDatabase')) return { path: dist, label: 'dist/' };
  const { build } = await import('tsup');
  const outDir = join(dir, 'bundle');
  await build({
    entry: { seed: join(ROOT, 'src/seed/run.ts') }, outDir, format: ['esm'], platform: 'node', target: 'node20',
    noExternal: [/.*/], splitting: false, dts: false, silent: true, config: false, banner: { js: REQUIRE_BANNER },
  });
  return { path: join(outDir, 'seed.js'), label: 'src/seed bundled by tsup (no dist/ yet)' };
}

/** Our seed in its own process, so its peak RSS is its own. */
async function ourChildCommand(dir: string): Promise<{ command: string; prefix: string[]; label: string }> {
  const child = join(dir, 'seed-child.mjs');
  const module = await seedModule(dir);
  writeFileSync(child, `const { seedDatabase } = await import(${JSON.stringify(pathToFileURL(module.path).href)});
const summary = await seedDatabase({ connectionString: process.argv[2], files: [process.argv[3]] });
console.log(JSON.stringify({ ...summary, maxRssKb: process.resourceUsage().maxRSS }));
`);
  const tsx = module.path.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return { command: process.execPath, prefix: [...tsx, child], label: module.label };
}

async function timed(command: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${code}):\n${stderr}${stdout}`);
  return { ms, stdout };
}

interface Bench {
  admin: pg.ClientConfig;
  port: number;
  ours: Awaited<ReturnType<typeof ourChildCommand>>;
}

async function adminQuery(bench: Bench, sql: string): Promise<void> {
  const client = new pg.Client(bench.admin);
  await client.connect();
  await client.query(sql);
  await client.end();
}

let databases = 0;
async function runOnce(bench: Bench, tool: Tool, file: string, latencyMs: number): Promise<Sample> {
  const database = `bench_${++databases}`;
  await adminQuery(bench, `CREATE DATABASE ${database}`);
  const proxy = latencyMs > 0 ? await startLatencyProxy({ host: '127.0.0.1', port: bench.port }, latencyMs) : undefined;
  const port = proxy?.port ?? bench.port;
  const { user, password } = bench.admin;
  const url = `postgresql://${user}:${encodeURIComponent(String(password))}@127.0.0.1:${port}/${database}?sslmode=disable`;
  try {
    if (tool === 'get-db') {
      const { ms, stdout } = await timed(bench.ours.command, [...bench.ours.prefix, url, file], process.env);
      return { ms, rssMb: JSON.parse(stdout).maxRssKb / 1024 };
    }
    const psqlArgs = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...(tool === 'psql -1 -f' ? ['-1'] : []), '-d', url, '-f', file];
    return { ms: (await timed('psql', psqlArgs, { ...process.env, PGOPTIONS: '' }, )).ms };
  } finally {
    await proxy?.close();
    await adminQuery(bench, `DROP DATABASE ${database}`);
  }
}

interface Row { input: string; latency: number; tool: Tool; samples: Sample[] }

function table(rows: Row[]): string {
  const find = (row: Row, tool: Tool) => rows.find((r) => r.input === row.input && r.latency === row.latency && r.tool === tool);
  const lines = [
    '| input | added RTT | tool | median ms (runs) | speed vs psql -f | speed vs psql -1 -f | peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const ms = median(row.samples.map((s) => s.ms));
    const versus = (tool: Tool) => {
      const other = find(row, tool);
      if (!other || other === row || row.tool !== 'get-db') return '';
      return `${(median(other.samples.map((s) => s.ms)) / ms).toFixed(2)}×`; // above 1: get-db is faster
    };
    const rss = row.samples[0]?.rssMb === undefined ? '' : `${Math.max(...row.samples.map((s) => s.rssMb!)).toFixed(0)} MB`;
    lines.push(`| ${row.input} | ${row.latency} ms | ${row.tool} | ${ms.toFixed(0)} (${row.samples.length}) | ${versus('psql -f')} | ${versus('psql -1 -f')} | ${rss} |`);
  }
  return lines.join('\n');
}

async function prescanCost(file: string): Promise<number> {
  const { prescanSeed } = await import('../src/seed/prescan.js');
  const started = performance.now();
  await (await prescanSeed([file], { transaction: true })).dispose();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'get-db-bench-seed-'));
  const postgres = await startEmbeddedPostgres();
  try {
    const small = join(dir, 'small-statements.sql');
    const dump = join(dir, 'copy-dump.sql');
    await smallStatements(small);
    await copyDump(dump, DUMP_MB);
    const mb = (path: string) => `${(statSync(path).size / 1e6).toFixed(1)} MB`;
    const bench: Bench = { admin: pgConfigFromUrl(postgres.adminUrl), port: postgres.port, ours: await ourChildCommand(dir) };
    const tools: Tool[] = (await psqlPath()) ? ['get-db', 'psql -f', 'psql -1 -f'] : ['get-db'];
    console.error(`inputs: ${SMALL_STATEMENTS} statements (${mb(small)}), COPY dump (${mb(dump)}); ours from ${bench.ours.label}; tools: ${tools.join(', ')}`);
    const rows: Row[] = [];
    const inputs = [['statements', `${SMALL_STATEMENTS.toLocaleString('en-US')} statements`, small], ['dump', `COPY dump ${mb(dump)}`, dump]] as const;
    for (const [, input, file] of inputs.filter(([key]) => INPUTS.includes(key))) {
      for (const latency of LATENCIES) {
        // Tools take turns run by run, so the machine's noise falls on all of them alike.
        // One statement per round trip: 10,000 × 25 ms ≥ 250 s a run, so psql runs once
        // there, and psql -1 -f (the same round trips) not at all.
        const slow = (tool: Tool) => file === small && latency > 0 && tool !== 'get-db';
        const cellTools = tools.filter((tool) => !(slow(tool) && tool === 'psql -1 -f'));
        const runs = (tool: Tool) => (slow(tool) ? 1 : file === small ? SMALL_RUNS : RUNS);
        const samples = new Map<Tool, Sample[]>(cellTools.map((tool) => [tool, []]));
        for (let run = 0; run < Math.max(...cellTools.map(runs)); run++) {
          for (const tool of cellTools) if (run < runs(tool)) samples.get(tool)!.push(await runOnce(bench, tool, file, latency));
        }
        for (const tool of cellTools) {
          rows.push({ input, latency, tool, samples: samples.get(tool)! });
          console.error(`  ${input} @ ${latency} ms, ${tool}: ${samples.get(tool)!.map((s) => s.ms.toFixed(0)).join(', ')} ms`);
        }
      }
    }
    console.log(table(rows));
    console.log(`\nPre-scan (splitter only, no server) of the ${mb(dump)} dump: ${(await prescanCost(dump)).toFixed(0)} ms.`);
    console.log('Wall-clock time of each whole process (start, connect, seed, exit); fresh database per run; psql over 25 ms with 10,000 statements ran once, psql -1 -f not (same round trips).');
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
