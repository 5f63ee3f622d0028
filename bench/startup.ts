/**
 * Start-up cost of `get-db --help` against bare `node -e ''`, measured side by side in
 * one run (alternating, so machine noise hits both), medians reported.
 * Run: npm run bench:startup
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../bin/get-db.cjs');
const RUNS = Number(process.env.RUNS ?? 100);

const commands: Record<string, string[]> = {
  "node -e ''": ['-e', ''],
  'get-db --help': [BIN, '--help'],
  'get-db --version': [BIN, '--version'],
};

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${run.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, [] as number[]]));
for (const args of Object.values(commands)) timeOnce(args); // warm the file cache
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(commands)) samples[name]!.push(timeOnce(args));
}

const baseline = median(samples["node -e ''"]!);
console.log(`\nStart-up, ${RUNS} alternating runs each, Node ${process.version} (${process.platform}/${process.arch})\n`);
console.log('| command | median ms | vs node -e \'\' |');
console.log('|---|---:|---:|');
for (const [name, values] of Object.entries(samples)) {
  const m = median(values);
  console.log(`| \`${name}\` | ${m.toFixed(1)} | ${(m / baseline).toFixed(2)}× |`);
}
