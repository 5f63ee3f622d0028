/**
 * Seed benchmark: our seed (the library in a child process, and the CLI as users run it) side
 * by side with psql and pg_restore, on generated inputs, on its own embedded PostgreSQL (plain
 * TCP + SCRAM: TLS would cost every tool the same), a fresh database per run; prints markdown.
 * - 10,000 small statements and a ~120 MB pg_dump-shaped COPY script, at 0 ms and 25 ms added
 *   round trip: get-db vs `psql -f` and `psql -1 -f`;
 * - a ~250 MB script on standard input: `get-db seed -` vs `psql -1 -f -`, with our peak RSS;
 * - a custom-format archive of the 120 MB script (made by the real pg_dump): get-db vs `pg_restore -d`.
 *
 *   npx tsx bench/seed.ts [--runs 3] [--small-runs 9] [--dump-mb 100] [--stdin-mb 206] [--statements 10000]
 *                         [--inputs statements,dump,stdin,custom] [--latencies 0,25] [--from-source]
 * BASELINE_BIN=/other/checkout/bin/get-db.cjs adds that build's `get-db seed` rows (before/after in one run).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { startEmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { flag, listOption, numberOption } from './args.js';
import { startLatencyProxy } from './latency-proxy.js';
import { copyDump, customArchive, smallStatements } from './seed-inputs.js';

const RUNS = numberOption('runs', 3);
// A small seed takes well under a second: more runs for a steady median.
const SMALL_RUNS = numberOption('small-runs', 9);
const DUMP_MB = numberOption('dump-mb', 100);
const STDIN_MB = numberOption('stdin-mb', 206);
const SMALL_STATEMENTS = numberOption('statements', 10_000);
const LATENCIES = listOption('latencies', ['0', '25']).map(Number);
// e.g. --inputs dump: only the COPY script (the 10,000 statements over 25 ms cost psql ~5 min).
const INPUTS = listOption('inputs', ['statements', 'dump', 'stdin', 'custom']);
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/get-db.cjs');

interface Sample { ms: number; rssMb?: number; cpuS?: number }

/** How one tool seeds `file` into the database at `url`. */
interface Tool {
  name: string;
  /** Ours: reports its peak RSS and CPU time. */
  ours: boolean;
  run(url: string, file: string, dir: string): Promise<Sample>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function onPath(command: string): Promise<boolean> {
  return promisify(execFile)(command, ['--version']).then(() => true, () => false);
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

/** Loaded with --require into our processes: their peak RSS and CPU time, written on exit. */
const USAGE_HOOK = `process.on('exit', () => require('node:fs').writeFileSync(process.env.BENCH_USAGE_FILE,
  JSON.stringify((({ maxRSS, userCPUTime, systemCPUTime }) => ({ maxRssKb: maxRSS, cpuUs: userCPUTime + systemCPUTime }))(process.resourceUsage()))));`;

async function timed(command: string, argv: string[], options: { env?: NodeJS.ProcessEnv; stdinFile?: string; usage?: string } = {}): Promise<Sample> {
  const env = { ...process.env, PGOPTIONS: '', ...options.env, ...(options.usage ? { BENCH_USAGE_FILE: options.usage } : {}) };
  const started = performance.now();
  const child = spawn(command, argv, { env, stdio: [options.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (options.stdinFile) createReadStream(options.stdinFile, { highWaterMark: 1 << 20 }).pipe(child.stdin!);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const [code] = await once(child, 'exit');
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`${command} ${argv.join(' ')} failed (${code}):\n${output}`);
  if (!options.usage) return { ms };
  const usage = JSON.parse(readFileSync(options.usage, 'utf8')) as { maxRssKb: number; cpuUs: number };
  return { ms, rssMb: usage.maxRssKb / 1024, cpuS: usage.cpuUs / 1e6 };
}

async function makeTools(dir: string): Promise<{ tools: Tool[]; label: string }> {
  const module = await seedModule(dir);
  const child = join(dir, 'seed-child.mjs');
  writeFileSync(child, `const { seedDatabase } = await import(${JSON.stringify(pathToFileURL(module.path).href)});
await seedDatabase({ connectionString: process.argv[2], files: [process.argv[3]] });
`);
  const hook = join(dir, 'usage-hook.cjs');
  writeFileSync(hook, USAGE_HOOK);
  const node = (args: string[]) => [...(module.path.endsWith('.ts') ? ['--import', 'tsx'] : []), '--require', hook, ...args];
  const usage = (work: string) => join(work, 'usage.json');
  const envFile = (work: string, url: string) => (writeFileSync(join(work, '.env'), `DATABASE_URL=${url}\n`), join(work, '.env'));
  const cli = (name: string, bin: string, stdin: boolean): Tool => ({
    name,
    ours: true,
    run: (url, file, work) => timed(process.execPath, node([bin, 'seed', '-e', envFile(work, url), stdin ? '-' : file]), { usage: usage(work), stdinFile: stdin ? file : undefined }),
  });
  const psql = (name: string, args: string[], stdin = false): Tool => ({
    name,
    ours: false,
    run: (url, file) => timed('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args, '-d', url, '-f', stdin ? '-' : file], { stdinFile: stdin ? file : undefined }),
  });
  const pgRestore = (name: string, args: string[]): Tool => ({ name, ours: false, run: (url, file) => timed('pg_restore', [...args, '-d', url, file]) });
  const baseline = process.env.BASELINE_BIN;
  const tools: Tool[] = [
    { name: 'get-db', ours: true, run: (url, file, work) => timed(process.execPath, node([child, url, file]), { usage: usage(work) }) },
    cli('get-db seed', BIN, false),
    cli('get-db seed -', BIN, true),
    ...(baseline ? [cli('baseline get-db seed', baseline, false)] : []),
    psql('psql -f', []),
    psql('psql -1 -f', ['-1']),
    psql('psql -1 -f -', ['-1'], true),
    pgRestore('pg_restore -d', []),
    pgRestore('pg_restore -1 -d', ['-1']),
  ];
  return { tools, label: module.label };
}

interface Bench {
  admin: pg.ClientConfig;
  port: number;
}

async function adminQuery(bench: Bench, sql: string): Promise<void> {
  const client = new pg.Client(bench.admin);
  await client.connect();
  await client.query(sql);
  await client.end();
}

let databases = 0;
async function runOnce(bench: Bench, tool: Tool, file: string, latencyMs: number, dir: string): Promise<Sample> {
  const database = `bench_${++databases}`;
  await adminQuery(bench, `CREATE DATABASE ${database}`);
  const proxy = latencyMs > 0 ? await startLatencyProxy({ host: '127.0.0.1', port: bench.port }, latencyMs) : undefined;
  const port = proxy?.port ?? bench.port;
  const { user, password } = bench.admin;
  const url = `postgresql://${user}:${encodeURIComponent(String(password))}@127.0.0.1:${port}/${database}?sslmode=disable`;
  const work = mkdtempSync(join(dir, 'run-'));
  try {
    return await tool.run(url, file, work);
  } finally {
    await proxy?.close();
    await adminQuery(bench, `DROP DATABASE ${database}`);
    rmSync(work, { recursive: true, force: true });
  }
}

interface Cell {
  input: string;
  file: string;
  latency: number;
  tools: string[];
  /** What our rows are compared with. */
  baselines: string[];
  runs: (tool: string) => number;
}

interface Row { input: string; latency: number; tool: Tool; samples: Sample[]; baselines: string[] }

function table(rows: Row[]): string {
  const lines = [
    '| input | added RTT | tool | median ms (runs) | speed vs | CPU s | peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const ms = median(row.samples.map((s) => s.ms));
    const others = rows.filter((r) => r.input === row.input && r.latency === row.latency && row.tool.ours && row.baselines.includes(r.tool.name));
    // Above 1: ours is faster.
    const versus = others.map((other) => `${(median(other.samples.map((s) => s.ms)) / ms).toFixed(2)}× ${other.tool.name}`).join(', ');
    const cpu = row.tool.ours ? median(row.samples.map((s) => s.cpuS!)).toFixed(2) : '';
    const rss = row.tool.ours ? `${Math.max(...row.samples.map((s) => s.rssMb!)).toFixed(0)} MB` : '';
    lines.push(`| ${row.input} | ${row.latency} ms | ${row.tool.name} | ${ms.toFixed(0)} (${row.samples.length}) | ${versus} | ${cpu} | ${rss} |`);
  }
  return lines.join('\n');
}

async function prepareCells(dir: string, available: (name: string) => boolean): Promise<Cell[]> {
  const mb = (path: string) => `${(statSync(path).size / 1e6).toFixed(1)} MB`;
  const cells: Cell[] = [];
  const keep = (tools: string[]) => tools.filter(available);
  if (INPUTS.includes('statements')) {
    const small = join(dir, 'small-statements.sql');
    await smallStatements(small, SMALL_STATEMENTS);
    for (const latency of LATENCIES) {
      // One statement per round trip: 10,000 × 25 ms ≥ 250 s a run, so psql runs once there,
      // and psql -1 -f (the same round trips) not at all.
      const tools = keep(latency > 0 ? ['get-db', 'psql -f'] : ['get-db', 'psql -f', 'psql -1 -f']);
      cells.push({ input: `${SMALL_STATEMENTS.toLocaleString('en-US')} statements`, file: small, latency, tools, baselines: ['psql -f', 'psql -1 -f'], runs: (tool) => (latency > 0 && tool !== 'get-db' ? 1 : SMALL_RUNS) });
    }
  }
  const dump = join(dir, 'copy-dump.sql');
  if (INPUTS.includes('dump') || INPUTS.includes('custom')) await copyDump(dump, DUMP_MB);
  if (INPUTS.includes('dump')) {
    for (const latency of LATENCIES) {
      const tools = keep(['get-db', 'get-db seed', 'baseline get-db seed', 'psql -f', 'psql -1 -f']);
      cells.push({ input: `COPY script ${mb(dump)}`, file: dump, latency, tools, baselines: ['psql -f', 'psql -1 -f'], runs: () => RUNS });
    }
  }
  if (INPUTS.includes('stdin')) {
    const big = join(dir, 'stdin-dump.sql');
    await copyDump(big, STDIN_MB);
    const tools = keep(['get-db seed -', 'psql -1 -f -']);
    cells.push({ input: `COPY script ${mb(big)} on stdin`, file: big, latency: 0, tools, baselines: ['psql -1 -f -'], runs: () => RUNS });
  }
  if (INPUTS.includes('custom') && available('pg_restore -d')) {
    const archive = join(dir, 'copy-dump.dump');
    await customArchive(dump, archive);
    const tools = keep(['get-db', 'get-db seed', 'pg_restore -d', 'pg_restore -1 -d']);
    cells.push({ input: `custom archive ${mb(archive)} (of the ${mb(dump)} script)`, file: archive, latency: 0, tools, baselines: ['pg_restore -d', 'pg_restore -1 -d'], runs: () => RUNS });
  }
  return cells;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'get-db-bench-seed-'));
  const postgres = await startEmbeddedPostgres();
  try {
    const { tools, label } = await makeTools(dir);
    const [psql, pgRestore] = await Promise.all([onPath('psql'), onPath('pg_restore')]);
    const available = (name: string) => tools.some((tool) => tool.name === name) && (!name.startsWith('psql') || psql) && (!name.startsWith('pg_restore') || pgRestore);
    const cells = await prepareCells(dir, available);
    const bench: Bench = { admin: pgConfigFromUrl(postgres.adminUrl), port: postgres.port };
    console.error(`ours from ${label}; psql ${psql ? 'found' : 'missing'}, pg_restore ${pgRestore ? 'found' : 'missing'}`);
    const rows: Row[] = [];
    for (const cell of cells) {
      const cellTools = cell.tools.map((name) => tools.find((tool) => tool.name === name)!);
      const samples = new Map<Tool, Sample[]>(cellTools.map((tool) => [tool, []]));
      // Tools take turns run by run, so the machine's noise falls on all of them alike.
      for (let run = 0; run < Math.max(...cellTools.map((tool) => cell.runs(tool.name))); run++) {
        for (const tool of cellTools) if (run < cell.runs(tool.name)) samples.get(tool)!.push(await runOnce(bench, tool, cell.file, cell.latency, dir));
      }
      for (const tool of cellTools) {
        rows.push({ input: cell.input, latency: cell.latency, tool, samples: samples.get(tool)!, baselines: cell.baselines });
        console.error(`  ${cell.input} @ ${cell.latency} ms, ${tool.name}: ${samples.get(tool)!.map((s) => s.ms.toFixed(0)).join(', ')} ms`);
      }
    }
    console.log(table(rows));
    console.log('\nWall-clock time of each whole process (start, connect, seed, exit), a fresh database per run; CPU and peak RSS of our process (pg_restore, which ours starts for an archive, is not counted). psql over 25 ms with 10,000 statements ran once, psql -1 -f not (the same round trips).');
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
