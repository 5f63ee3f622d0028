/**
 * The warm pool (`--pool`): READY databases are invisible and locked until handed out;
 * a hand-out is distinct, fresh, with its expiry from hand-out; the pool refills, is shared
 * by two serve processes on one state, falls back to on-demand creates when drained, and
 * outlasts a restart. On a PostgreSQL of its own, so counts are this file's alone.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { superQuery } from './helpers/serve-admin.js';
import { createDb, eventually, getJson, withClient } from './helpers/serve-http.js';
import { sampleValue, scrape } from './helpers/prometheus.js';

const POOL = 3;
let server: EmbeddedPostgres;
let serve: ServeProcess;
const args = () => ['--postgres-url', server.adminUrl, '--pool', String(POOL), '--rate-limit', 'off', '--ttl', '1h', '--metrics'];
const ready = async () =>
  superQuery<{ id: string; name: string; login: boolean }>(
    server.adminUrl,
    `SELECT d.id::text, d.name, r.rolcanlogin AS login FROM get_db_serve.databases d JOIN pg_roles r ON r.rolname = d.name WHERE d.state = 'READY' ORDER BY d.name`,
  );
const nameOf = (db: { connection_string: string | null }) => new URL(db.connection_string!).pathname.slice(1);

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  serve = await spawnServe(args());
});
afterAll(async () => {
  await serve?.stop();
  await server?.stop();
});

test('READY databases are invisible and nobody can log in to them; a hand-out is distinct, fresh, its clock starting now; the pool refills', async () => {
  await eventually(async () => (await ready()).length === POOL);
  const pooled = await ready();
  expect(pooled.every((row) => !row.login)).toBe(true);
  for (const row of pooled) expect(await getJson(`${serve.apiUrl}/database/${row.id}`)).toEqual({ status: 400, body: { error: 'Database not found' } });

  await new Promise((resolve) => setTimeout(resolve, 1500)); // so "expiry from hand-out" is 1.5 s+ off "from when made"
  const before = Date.now();
  const handed = await Promise.all(Array.from({ length: POOL }, () => createDb(serve.apiUrl)));
  const after = Date.now();
  const names = handed.map(nameOf);
  expect(new Set(names).size).toBe(POOL);
  expect(names.sort()).toEqual(pooled.map((row) => row.name));
  for (const db of handed) {
    expect(pooled.map((row) => row.id)).not.toContain(db.id); // a new id: the pooled row's was never shown
    expect(Date.parse(db.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(db.created_at)).toBeLessThanOrEqual(after + 1000);
    // The TTL from the hand-out, to within less than the 1.5 s the pooled row waited.
    expect(Math.abs(Date.parse(db.expires_at!) - Date.parse(db.created_at) - 3600_000)).toBeLessThan(1000);
    const fresh = await withClient(db.connection_string!, async (client) => {
      const objects = await client.query(`SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`);
      const settings = await client.query(`SELECT count(*)::int AS n FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) OR setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)`);
      await client.query('CREATE TABLE mine (x int)');
      return { objects: objects.rows[0].n, settings: settings.rows[0].n };
    });
    expect(fresh).toEqual({ objects: 0, settings: 0 });
    expect((await getJson(`${serve.apiUrl}/database/${db.id}`)).body.connection_string).toBe(db.connection_string);
  }
  expect(sampleValue(await scrape(serve.baseUrl), 'get_db_serve_creates_total', { outcome: 'pooled' })).toBe(POOL);

  await eventually(async () => (await ready()).length === POOL);
  expect((await ready()).map((row) => row.name)).not.toEqual(expect.arrayContaining([names[0]]));
});

test('a burst that drains the pool is served on demand; two processes share one pool, which outlasts a restart', async () => {
  await eventually(async () => (await ready()).length === POOL);
  const second = await spawnServe(args());
  try {
    const burst = await Promise.all(Array.from({ length: 2 * POOL + 2 }, (_, i) => createDb(i % 2 ? second.apiUrl : serve.apiUrl)));
    expect(new Set(burst.map(nameOf)).size).toBe(burst.length);
    // Each one, pooled or made on demand, takes its user in (a pooled role is given LOGIN at hand-out).
    const users = await Promise.all(burst.map((db) => withClient(db.connection_string!, async (client) => (await client.query('SELECT current_user AS u')).rows[0].u)));
    expect(users).toEqual(burst.map(nameOf));
    const pooled = sampleValue(await scrape(serve.baseUrl), 'get_db_serve_creates_total', { outcome: 'pooled' }) + sampleValue(await scrape(second.baseUrl), 'get_db_serve_creates_total', { outcome: 'pooled' });
    expect(pooled - POOL).toBeGreaterThanOrEqual(POOL); // at least the pool's worth came from it (the first test's 3 included)
    // Both fill one shared pool: it settles at POOL, not 2 × POOL.
    await eventually(async () => (await ready()).length === POOL);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await ready()).length).toBe(POOL);
  } finally {
    await second.stop();
  }
  const kept = (await ready()).map((row) => row.name);
  await serve.stop();
  serve = await spawnServe(args());
  expect(kept).toContain(nameOf(await createDb(serve.apiUrl)));
});
