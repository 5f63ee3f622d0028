/**
 * Load test for `get-db serve`: N concurrent creates against one server on an embedded
 * PostgreSQL, then every database checked with its own credentials (must connect) and
 * with its neighbour's (must be refused). Prints a markdown table.
 *
 *   npx tsx bench/serve-load.ts [--creates 200] [--check-concurrency 20]
 */
import pg from 'pg';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import type { DatabaseView } from '../src/serve/http/database-view.js';
import { spawnServe } from '../test/helpers/serve.js';
import { numberOption } from './args.js';

const CREATES = numberOption('creates', 200);
const CHECK_CONCURRENCY = numberOption('check-concurrency', 20);

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

const serve = await spawnServe(['--embedded', '--rate-limit', 'off']);
try {
  const warm = await timedCreate(serve.apiUrl); // warm-up: first connection, first CREATE DATABASE
  const started = performance.now();
  const storm = Promise.all(Array.from({ length: CREATES }, () => timedCreate(serve.apiUrl)));
  const probes = await probeWhile(serve.apiUrl, warm.db!.id, storm);
  const results = await storm;
  const wallMs = performance.now() - started;
  const made = results.flatMap((r) => (r.db ? [r.db] : []));
  const failures = results.filter((r) => r.error);
  const latencies = results.map((r) => r.ms);

  const own = await inBatches(made, CHECK_CONCURRENCY, (db) => tryConnect(db.connection_string!));
  const crossed = await inBatches(made, CHECK_CONCURRENCY, (db, i) => {
    const neighbour = new URL(made[(i + 1) % made.length]!.connection_string!);
    const url = new URL(db.connection_string!);
    url.pathname = neighbour.pathname;
    return tryConnect(url.href);
  });

  console.log(`\nget-db serve: ${CREATES} concurrent creates (one serve process, embedded PostgreSQL), Node ${process.version}\n`);
  console.log('| measure | value |');
  console.log('|---|---:|');
  console.log(`| wall time for all creates | ${(wallMs / 1000).toFixed(2)} s |`);
  console.log(`| creates per second | ${(made.length / (wallMs / 1000)).toFixed(1)} |`);
  console.log(`| latency p50 / p95 / max | ${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 95).toFixed(0)} / ${Math.max(...latencies).toFixed(0)} ms |`);
  const spread = (values: number[]) => `${percentile(values, 50).toFixed(0)} / ${percentile(values, 95).toFixed(0)} / ${Math.max(...values).toFixed(0)} ms`;
  console.log(`| GET /api/v1/database/:id during the storm, p50 / p95 / max (${probes.get.length} probes) | ${spread(probes.get)} |`);
  console.log(`| GET /healthz during the storm, p50 / p95 / max | ${spread(probes.health)} |`);
  console.log(`| failures (of which 503 "try again") | ${failures.length} (${failures.filter((f) => f.error?.startsWith('HTTP 503')).length}) |`);
  console.log(`| distinct ids / databases | ${new Set(made.map((d) => d.id)).size} / ${new Set(made.map((d) => new URL(d.connection_string!).pathname)).size} |`);
  console.log(`| reachable with own credentials | ${own.filter((e) => e === undefined).length} / ${made.length} |`);
  console.log(`| refused with a neighbour's credentials | ${crossed.filter((e) => e !== undefined && /permission denied/.test(e)).length} / ${made.length} |`);
  for (const failure of failures.slice(0, 5)) console.log(`failure: ${failure.error}`);
  // A 503 is the server saying "busy, retry" (a create waited 10 s for a session); anything else is a failure.
  const ok = failures.every((f) => f.error?.startsWith('HTTP 503')) && own.every((e) => e === undefined) && crossed.every((e) => e !== undefined);
  if (!ok) process.exitCode = 1;
} finally {
  await serve.stop();
}
