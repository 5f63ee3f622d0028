/**
 * Load test for `get-db serve`, side by side in one run, on a fresh embedded PostgreSQL per
 * run: N concurrent creates without a pool (GET and /healthz probed meanwhile), the same
 * on two PostgreSQL servers, the same with a warm pool of N (and how long that pool takes to fill from empty, i.e. to refill
 * once drained), then every database of the first run checked with its own credentials
 * (must connect) and with its neighbour's (must be refused). Prints medians of --runs.
 *
 *   npx tsx bench/serve-load.ts [--creates 200] [--runs 3] [--check-concurrency 20]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import type { DatabaseView } from '../src/serve/http/database-view.js';
import { startEmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { spawnServe, type ServeProcess } from '../test/helpers/serve.js';
import { numberOption } from './args.js';

const CREATES = numberOption('creates', 200);
const CHECK_CONCURRENCY = numberOption('check-concurrency', 20);
const RUNS = numberOption('runs', 3);
/** 2 per role keeps the connection budget (1500 on the embedded server) above 3 × N databases. */
const SERVE_ARGS = ['--rate-limit', 'off', '--connections-per-database', '2'];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

async function timedCreate(apiUrl: string): Promise<{ ms: number; db?: DatabaseView; error?: string }> {
  const started = performance.now();
  try {
    const response = await fetch(`${apiUrl}/database`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'load-test' }),
    });
    const body = (await response.json()) as DatabaseView & { error?: string };
    const ms = performance.now() - started;
    return response.status === 201 ? { ms, db: body } : { ms, error: `HTTP ${response.status}: ${body.error}` };
  } catch (error) {
    return { ms: performance.now() - started, error: (error as Error).message };
  }
}

/** One request's time in ms, or Infinity if it failed (counted, never hidden). */
async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.ok ? performance.now() - started : Infinity;
  } catch {
    return Infinity;
  }
}

/** GET and /healthz, side by side every 50 ms, until `done` settles. */
async function probeWhile(apiUrl: string, id: string, done: Promise<unknown>): Promise<{ get: number[]; health: number[] }> {
  let finished = false;
  void done.finally(() => (finished = true));
  const probes = { get: [] as number[], health: [] as number[] };
  while (!finished) {
    const [get, health] = await Promise.all([timedGet(`${apiUrl}/database/${id}`), timedGet(`${apiUrl.replace(/\/api\/v1$/, '')}/healthz`)]);
    probes.get.push(get);
    probes.health.push(health);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return probes;
}

/** undefined when it connects as the right user to the right database; else why not. */
async function tryConnect(url: string): Promise<string | undefined> {
  const client = new pg.Client(pgConfigFromUrl(url));
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ db: string; user: string }>('select current_database() as db, current_user as user');
    const expected = new URL(url);
    return rows[0]?.db === expected.pathname.slice(1) && rows[0]?.user === expected.username ? undefined : 'connected as someone else';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    results.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => work(item, i + j)))));
  }
  return results;
}

interface Storm {
  p50: number;
  p95: number;
  perSecond: number;
  failures: number;
  unavailable: number;
  getP95: number;
  healthP95: number;
  /** The same creates as serve's request log times them (request in to response out). */
  serverP50: number;
  serverP95: number;
  made: DatabaseView[];
  errors: string[];
}

/** N concurrent creates, GET and /healthz probed meanwhile. */
async function storm(serve: ServeProcess): Promise<Storm> {
  const warm = await timedCreate(serve.apiUrl); // warm-up: first connection, first CREATE DATABASE
  const logged = serve.logs().length;
  const started = performance.now();
  const all = Promise.all(Array.from({ length: CREATES }, () => timedCreate(serve.apiUrl)));
  const probes = await probeWhile(serve.apiUrl, warm.db!.id, all);
  const results = await all;
  const wallMs = performance.now() - started;
  const made = results.flatMap((r) => (r.db ? [r.db] : []));
  const failures = results.filter((r) => r.error);
  const latencies = results.map((r) => r.ms);
  const serverMs = serve
    .logs()
    .slice(logged)
    .filter((line) => line.event === 'request' && line.method === 'POST')
    .map((line) => line.ms as number);
  return {
    serverP50: percentile(serverMs, 50),
    serverP95: percentile(serverMs, 95),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    perSecond: made.length / (wallMs / 1000),
    failures: failures.length,
    unavailable: failures.filter((f) => f.error?.startsWith('HTTP 503')).length,
    getP95: percentile(probes.get, 95),
    healthP95: percentile(probes.health, 95),
    made,
    errors: failures.map((f) => f.error!),
  };
}

/**
 * A bare node:http server in its own process answering every request at once with `body`:
 * the floor under any create latency on this machine (200 new loopback connections, both
 * event loops), so the pool's figures can be read against it.
 */
const BARE_SERVER = `
  const body = process.env.BODY;
  const server = require('node:http').createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(body));
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

async function floorStorm(body: DatabaseView): Promise<{ p50: number; p95: number }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { env: { ...process.env, BODY: JSON.stringify(body) }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [port] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
    const apiUrl = `http://127.0.0.1:${port.trim()}/api/v1`;
    await timedCreate(apiUrl); // warm-up, as in storm()
    const latencies = (await Promise.all(Array.from({ length: CREATES }, () => timedCreate(apiUrl)))).map((r) => r.ms);
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  } finally {
    child.kill();
  }
}

async function readyCount(adminUrl: string): Promise<number> {
  const client = new pg.Client(pgConfigFromUrl(adminUrl));
  try {
    await client.connect();
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM get_db_serve.databases WHERE state = 'READY'");
    return rows[0]!.n;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Seconds until the pool holds N READY databases. */
async function timeToFill(adminUrl: string): Promise<number> {
  const started = performance.now();
  while ((await readyCount(adminUrl)) < CREATES) await new Promise((resolve) => setTimeout(resolve, 100));
  return (performance.now() - started) / 1000;
}

interface Run {
  plain: Storm;
  twoServers: Storm;
  pooled: Storm;
  floor: { p50: number; p95: number };
  fillS: number;
  refillS: number;
}

async function oneRun(): Promise<Run> {
  const postgres = await startEmbeddedPostgres();
  try {
    const plainServe = await spawnServe(['--postgres-url', postgres.adminUrl, ...SERVE_ARGS]);
    const plain = await storm(plainServe).finally(() => plainServe.stop());
    const secondPostgres = await startEmbeddedPostgres();
    const twoServers = await spawnServe(['--postgres-url', postgres.adminUrl, '--postgres-url', secondPostgres.adminUrl, ...SERVE_ARGS])
      .then((serve) => storm(serve).finally(() => serve.stop()))
      .finally(() => secondPostgres.stop());
    const poolServe = await spawnServe(['--postgres-url', postgres.adminUrl, ...SERVE_ARGS, '--pool', String(CREATES)]);
    try {
      const fillS = await timeToFill(postgres.adminUrl);
      const pooled = await storm(poolServe);
      const refillS = await timeToFill(postgres.adminUrl);
      const floor = await floorStorm(pooled.made[0]!);
      return { plain, twoServers, pooled, floor, fillS, refillS };
    } finally {
      await poolServe.stop();
    }
  } finally {
    await postgres.stop();
  }
}

const median = (values: number[]) => percentile(values, 50);
const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) runs.push(await oneRun());
const own = await (async () => {
  // Credentials are checked on a run of their own (the runs above stopped their servers).
  const postgres = await startEmbeddedPostgres();
  const serve = await spawnServe(['--postgres-url', postgres.adminUrl, ...SERVE_ARGS]);
  try {
    const made = (await storm(serve)).made;
    const reachable = await inBatches(made, CHECK_CONCURRENCY, (db) => tryConnect(db.connection_string!));
    const crossed = await inBatches(made, CHECK_CONCURRENCY, (db, i) => {
      const url = new URL(db.connection_string!);
      url.pathname = new URL(made[(i + 1) % made.length]!.connection_string!).pathname;
      return tryConnect(url.href);
    });
    return { made: made.length, reachable: reachable.filter((e) => e === undefined).length, refused: crossed.filter((e) => e !== undefined && /permission denied/.test(e)).length };
  } finally {
    await serve.stop();
    await postgres.stop();
  }
})();

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : 'failed');
const row = (label: string, pick: (run: Run) => number, format: (value: number) => string) =>
  console.log(`| ${label} | ${format(median(runs.map(pick)))} | ${runs.map((run) => format(pick(run))).join(', ')} |`);
console.log(`\nget-db serve: ${CREATES} concurrent creates, one serve process, embedded PostgreSQL; Node ${process.version}; medians of ${RUNS} runs\n`);
console.log('| measure | median | runs |');
console.log('|---|---:|---|');
row('no pool: create p50', (r) => r.plain.p50, ms);
row('no pool: create p95', (r) => r.plain.p95, ms);
row('no pool: creates per second', (r) => r.plain.perSecond, (v) => v.toFixed(1));
row('no pool: failures (503 "try again")', (r) => r.plain.failures, String);
row('no pool: GET /api/v1/database/:id p95 during the storm', (r) => r.plain.getP95, ms);
row('no pool: GET /healthz p95 during the storm', (r) => r.plain.healthP95, ms);
row('two servers, no pool: creates per second', (r) => r.twoServers.perSecond, (v) => v.toFixed(1));
row('two servers vs one: creates per second', (r) => r.twoServers.perSecond / r.plain.perSecond, (v) => `${v.toFixed(2)}×`);
row('two servers: failures (503 "try again")', (r) => r.twoServers.failures, String);
row(`pool of ${CREATES}: create p50`, (r) => r.pooled.p50, ms);
row(`pool of ${CREATES}: create p95`, (r) => r.pooled.p95, ms);
row(`pool of ${CREATES}: the same, as serve's request log times them, p50`, (r) => r.pooled.serverP50, ms);
row(`pool of ${CREATES}: the same, as serve's request log times them, p95`, (r) => r.pooled.serverP95, ms);
row(`floor: ${CREATES} concurrent POSTs to a bare node:http server (canned reply), p50`, (r) => r.floor.p50, ms);
row(`floor: the same, p95`, (r) => r.floor.p95, ms);
row(`pool of ${CREATES}: failures`, (r) => r.pooled.failures, String);
row(`pool of ${CREATES}: GET /healthz p95 during the storm`, (r) => r.pooled.healthP95, ms);
row(`pool: fill ${CREATES} from empty`, (r) => r.fillS, (v) => `${v.toFixed(1)} s`);
row(`pool: refill ${CREATES} after the storm drained it`, (r) => r.refillS, (v) => `${v.toFixed(1)} s`);
row(`${CREATES} plain creates, for comparison`, (r) => CREATES / r.plain.perSecond, (v) => `${v.toFixed(1)} s`);
console.log(`| credentials: reachable with own / refused with a neighbour's | ${own.reachable} / ${own.refused} of ${own.made} | |`);
for (const error of runs.flatMap((r) => [...r.plain.errors, ...r.pooled.errors]).slice(0, 5)) console.log(`failure: ${error}`);
// A 503 is the server saying "busy, retry"; anything else (and any pooled failure) is a failure.
const ok = runs.every((r) => [...r.plain.errors, ...r.twoServers.errors].every((e) => e.startsWith('HTTP 503')) && r.pooled.failures === 0) && own.reachable === own.made && own.refused === own.made;
if (!ok) process.exitCode = 1;
