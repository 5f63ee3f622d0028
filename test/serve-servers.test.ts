/**
 * Several PostgreSQL servers (`--postgres-url` twice, each with its own `--public-host`):
 * creates spread over both; one stopped mid-run is skipped (creates still succeed, none
 * tries it again while it is marked down, its databases still answer GET) and used again
 * once back; claim and reap work for each database on its own server. Two PostgreSQL
 * servers of this file's own.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import type { DatabaseView } from '../src/serve/http/database-view.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { superQuery } from './helpers/serve-admin.js';
import { connectError, createDb, eventually, getJson, withClient } from './helpers/serve-http.js';
import { sampleValue, scrape } from './helpers/prometheus.js';

const secondDir = join(tmpdir(), `get-db-second-pg-${randomBytes(4).toString('hex')}`);
let first: EmbeddedPostgres;
let second: EmbeddedPostgres;
let serve: ServeProcess;
// Different public names for the two servers (both loopback), so each connection string says where it points.
const HOSTS = () => [`127.0.0.1:${first.port}`, `localhost:${second.port}`];
const hostOf = (db: DatabaseView) => new URL(db.connection_string!).host;
const nameOf = (db: DatabaseView) => new URL(db.connection_string!).pathname.slice(1);
const onServer = async (server: EmbeddedPostgres, name: string) =>
  (await superQuery<{ n: number }>(server.adminUrl, 'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [name]))[0]!.n === 1;

beforeAll(async () => {
  [first, second] = await Promise.all([startEmbeddedPostgres(), startEmbeddedPostgres({ dataDir: secondDir })]);
  const [a, b] = HOSTS();
  serve = await spawnServe(
    ['--postgres-url', first.adminUrl, '--postgres-url', second.adminUrl, '--public-host', a!, '--public-host', b!, '--rate-limit', 'off', '--ttl', '12s', '--sweep-interval', '300ms', '--metrics'],
  );
});
afterAll(async () => {
  await serve?.stop();
  await Promise.all([first?.stop(), second?.stop()]);
  await rm(secondDir, { recursive: true, force: true });
});

test('creates spread over two servers, one down is skipped and used again when back; GET, claim and reap work on each', async () => {
  const [a, b] = HOSTS();
  const spread = await Promise.all(Array.from({ length: 4 }, () => createDb(serve.apiUrl)));
  expect(spread.map(hostOf).sort()).toEqual([a, a, b, b]);
  for (const db of spread) {
    const port = await withClient(db.connection_string!, async (client) => (await client.query('SHOW port')).rows[0].port);
    expect(Number(port)).toBe(hostOf(db) === a ? first.port : second.port);
  }
  const onSecond = spread.filter((db) => hostOf(db) === b);
  expect((await fetch(onSecond[0]!.claim_url, { method: 'POST' })).status).toBe(200);
  const metrics = await scrape(serve.baseUrl);
  expect(sampleValue(metrics, 'get_db_serve_databases', { server: `127.0.0.1:${second.port}`, state: 'UNCLAIMED' })).toBe(1);
  expect(sampleValue(metrics, 'get_db_serve_databases', { server: `127.0.0.1:${second.port}`, state: 'CLAIMED' })).toBe(1);

  await second.stop();
  // Every try at a server leaves a row for it first (a failed one stays, DELETING, until the
  // server is back): rows on the second other than the spread's are creates that tried it.
  const spreadNames = spread.map(nameOf);
  const triedSecond = async () =>
    (await superQuery<{ n: number }>(first.adminUrl, 'SELECT count(*)::int AS n FROM get_db_serve.databases WHERE server = $1 AND name <> ALL ($2::text[])', [`127.0.0.1:${second.port}`, spreadNames]))[0]!.n;
  const whileDown: DatabaseView[] = [];
  while (!serve.logs().some((line) => line.event === 'server_down')) {
    expect(whileDown.length).toBeLessThan(4); // the second has the fewest databases: the next create or the one after tries it
    whileDown.push(await createDb(serve.apiUrl));
  }
  // The create that found it down, unless the watchdog's beat (once a second) found it first.
  const tried = await triedSecond();
  expect(tried).toBeLessThanOrEqual(1);
  // Marked down, it is not tried again, though it has the fewest databases and refusing costs nothing.
  whileDown.push(...(await Promise.all(Array.from({ length: 3 }, () => createDb(serve.apiUrl)))));
  expect(whileDown.map(hostOf)).toEqual(whileDown.map(() => a));
  expect(await triedSecond()).toBe(tried);
  for (const db of onSecond) expect((await getJson(`${serve.apiUrl}/database/${db.id}`)).status).toBe(200);

  second = await startEmbeddedPostgres({ dataDir: secondDir });
  await eventually(async () => hostOf(await createDb(serve.apiUrl)) === b, 20_000);

  // The unclaimed ones expire (12 s) and are dropped on their own servers; the claimed one stays.
  await eventually(async () => !(await onServer(second, nameOf(onSecond[1]!))), 30_000);
  expect(await onServer(second, nameOf(onSecond[0]!))).toBe(true);
  expect(await connectError(onSecond[0]!.connection_string!)).toBeUndefined();
  const onFirst = spread.find((db) => hostOf(db) === a)!;
  await eventually(async () => !(await onServer(first, nameOf(onFirst))), 30_000);
  expect(serve.logs().some((line) => line.event === 'server_down')).toBe(true);
});
