/**
 * Start-up cost of the CLI against bare `node -e ''`, measured side by side in one run
 * (alternating, so machine noise hits both), medians reported: `--help`, `--version`, and a
 * real create (`get-db -y` into a fresh folder) against an Instagres-compatible API on
 * loopback, so the figure is our own cost (loading, planning, the request, writing the env
 * file) without the internet's.
 * The same create against an HTTPS API on loopback (the test fixtures' certificate, trusted
 * through NODE_EXTRA_CA_CERTS) shows what the real default, https://, adds: TLS and crypto.
 * The floor rows are what any tool must do for a create: start Node, send the same POST with
 * node:http (node:https) and write the answer to a file (a bare CommonJS script); the goal is
 * `get-db -y` within 1.35× of it.
 * Run: npm run bench:startup  (RUNS=… to change the number of runs, default 100;
 * BASELINE_BIN=/other/checkout/bin/get-db.cjs adds that build's rows, for before/after in one run)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../bin/get-db.cjs');
const RUNS = Number(process.env.RUNS ?? 100);

const TLS_DIR = resolve(import.meta.dirname, '../fixtures/tls');

// The API runs in its own process: spawnSync blocks this one, so it could not answer here.
// argv[1]: a folder with server.crt and server.key to answer over HTTPS, else plain HTTP.
const API_SERVER = `
const tlsDir = process.argv[1];
const { readFileSync } = require('node:fs');
const handler = (req, res) => {
  req.resume().on('end', () => {
    const id = '0190f0f0-0000-7000-8000-' + String(Date.now() % 1e12).padStart(12, '0');
    const now = new Date();
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      id, status: 'UNCLAIMED', neon_project_id: 'bench',
      connection_string: 'postgresql://neondb_owner:npg_secret@ep-bench-a1b2c3d4-pooler.c-2.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
      claim_url: 'http://127.0.0.1/claim/' + id,
      expires_at: new Date(now.getTime() + 72 * 3600e3).toISOString(),
      created_at: now.toISOString(), updated_at: now.toISOString(),
    }));
  });
};
const server = tlsDir
  ? require('node:https').createServer({ cert: readFileSync(tlsDir + '/server.crt'), key: readFileSync(tlsDir + '/server.key') }, handler)
  : require('node:http').createServer(handler);
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startApi(tlsDir?: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', API_SERVER, ...(tlsDir ? [tlsDir] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((done, fail) => {
    child.stdout.setEncoding('utf8').once('data', (line: string) => done(line.trim()));
    child.once('exit', (code) => fail(new Error(`the bench API exited with ${code}`)));
  });
  return { url: `${tlsDir ? 'https' : 'http'}://127.0.0.1:${port}/api/v1`, stop: () => child.kill() };
}

// The floor: the same request, its answer written to a file, and nothing else.
const FLOOR = `'use strict';
const url = new URL(process.env.INSTAGRES_API_URL + '/database');
const body = JSON.stringify({ ref: 'npm:get-db' });
const client = require(url.protocol === 'https:' ? 'node:https' : 'node:http');
const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
client.request(url, { method: 'POST', headers }, (res) => {
  let answer = '';
  res.setEncoding('utf8').on('data', (chunk) => (answer += chunk)).on('end', () => require('node:fs').writeFileSync('answer.json', answer));
}).end(body);
`;

interface Case {
  args: string[];
  /** A fresh working folder per run (a create skips when the key is already there). */
  fresh?: boolean;
  /** Added to the environment of this case only. */
  env?: NodeJS.ProcessEnv;
}

const api = await startApi();
const httpsApi = await startApi(TLS_DIR);
const overHttps = { INSTAGRES_API_URL: httpsApi.url, NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'ca.crt') };
const workDir = mkdtempSync(join(tmpdir(), 'get-db-bench-startup-'));
const floor = join(workDir, 'floor.cjs');
writeFileSync(floor, FLOOR);
const env: NodeJS.ProcessEnv = { ...process.env, INSTAGRES_API_URL: api.url, CI: 'true', NO_COLOR: '1' };
delete env.DATABASE_URL;

const cases: Record<string, Case> = {
  "node -e ''": { args: ['-e', ''] },
  'get-db --help': { args: [BIN, '--help'] },
  'get-db --version': { args: [BIN, '--version'] },
  'floor: POST with node:http, answer to a file': { args: [floor], fresh: true },
  'get-db -y (loopback API)': { args: [BIN, '-y'], fresh: true },
  'floor: POST with node:https, answer to a file': { args: [floor], fresh: true, env: overHttps },
  'get-db -y (loopback HTTPS API)': { args: [BIN, '-y'], fresh: true, env: overHttps },
};
// Each create's ratio to the floor over the same transport.
const FLOOR_OF: Record<string, string> = {
  'get-db -y (loopback API)': 'floor: POST with node:http, answer to a file',
  'get-db -y (loopback HTTPS API)': 'floor: POST with node:https, answer to a file',
  'baseline get-db -y (loopback API)': 'floor: POST with node:http, answer to a file',
  'baseline get-db -y (loopback HTTPS API)': 'floor: POST with node:https, answer to a file',
};
const baselineBin = process.env.BASELINE_BIN;
if (baselineBin) {
  cases['baseline get-db --help'] = { args: [baselineBin, '--help'] };
  cases['baseline get-db -y (loopback API)'] = { args: [baselineBin, '-y'], fresh: true };
  cases['baseline get-db -y (loopback HTTPS API)'] = { args: [baselineBin, '-y'], fresh: true, env: overHttps };
}

let runNumber = 0;
function timeOnce({ args, fresh, env: extra }: Case): number {
  const cwd = fresh ? mkdtempSync(join(workDir, `run-${runNumber++}-`)) : workDir;
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd, env: { ...env, ...extra } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
  return ms;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

try {
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, [] as number[]]));
  for (const c of Object.values(cases)) timeOnce(c); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const [name, c] of Object.entries(cases)) samples[name]!.push(timeOnce(c));
  }
  const baseline = median(samples["node -e ''"]!);
  console.log(`\nStart-up, ${RUNS} alternating runs each, Node ${process.version} (${process.platform}/${process.arch})\n`);
  console.log("| command | median ms | vs node -e '' | vs floor |");
  console.log('|---|---:|---:|---:|');
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    const floorOf = FLOOR_OF[name];
    const vsFloor = floorOf ? `${(m / median(samples[floorOf]!)).toFixed(2)}×` : '';
    console.log(`| \`${name}\` | ${m.toFixed(1)} | ${(m / baseline).toFixed(2)}× | ${vsFloor} |`);
  }
} finally {
  api.stop();
  httpsApi.stop();
  rmSync(workDir, { recursive: true, force: true });
}
