/**
 * An operator's tools, as an operator runs them: the built `get-db serve list | drop | expire
 * | pause | resume` against the same --postgres-url as a running serve (a non-superuser admin),
 * and the admin API behind its token; and what a claim keeps on a self-hosted server
 * (--max-claimed per server, --claimed-ttl).
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import type { DatabaseView } from '../src/serve/http/database-view.js';
import { openClient } from '../src/serve/postgres/prepare.js';
import { runCli } from './helpers/cli.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { createDb, eventually, getJson, postJson } from './helpers/serve-http.js';
import { inDatabase, managedAdmin, roleOrDatabaseExists, superQuery } from './helpers/serve-admin.js';

const TOKEN = randomBytes(24).toString('hex');
let serve: ServeProcess;
let adminUrl: string;
const superUrl = () => inject('postgres').adminUrl;
const nameOf = (db: DatabaseView) => db.neon_project_id;
const gone = async (db: DatabaseView) => !(await roleOrDatabaseExists(superUrl(), nameOf(db)));

/** The built CLI's operator command, against the serve's own --postgres-url. */
async function operator(...args: string[]) {
  const result = await runCli(['serve', ...args, '--postgres-url', adminUrl], { cwd: tmpdir() });
  return { ...result, json: () => JSON.parse(result.stdout) };
}

/** A pause (or its end) reaches serve at its next read of the state, within a second: creates until the answer is `status`. */
async function answerOf(status: number) {
  let answer = await postJson(`${serve.apiUrl}/database`, { ref: 'pause' });
  await eventually(async () => (answer = await postJson(`${serve.apiUrl}/database`, { ref: 'pause' })).status === status, 10_000);
  return answer;
}

const claim = (db: DatabaseView) => fetch(db.claim_url, { method: 'POST' });
const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${serve.baseUrl}/admin/v1${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers } });

beforeAll(async () => {
  const made = await managedAdmin(superUrl());
  // A database of its own for its state: another non-superuser admin on this cluster (a
  // parallel test file) keeps its state in the shared fallback database.
  const own = `ops_${randomBytes(4).toString('hex')}`;
  await superQuery(superUrl(), `CREATE DATABASE ${own} OWNER ${made.name}`);
  await superQuery(superUrl(), `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'get_db_serve_users') THEN CREATE ROLE get_db_serve_users NOLOGIN; END IF; END $$`);
  await superQuery(superUrl(), `GRANT get_db_serve_users TO ${made.name} WITH ADMIN OPTION`);
  adminUrl = inDatabase(made.url, own);
  serve = await spawnServe(
    ['--postgres-url', adminUrl, '--public-host', `127.0.0.1:${inject('postgres').port}`, '--rate-limit', 'off', '--sweep-interval', '300ms', '--max-claimed', '1', '--claimed-ttl', '1h'],
    { GET_DB_SERVE_ADMIN_TOKEN: TOKEN },
  );
});
afterAll(async () => {
  if (serve) expect(await serve.stop()).toBe(0);
});

// Each on databases of its own, at once; pausing (every create) comes after.
describe.concurrent('get-db serve list | drop | expire', () => {
  test('list: every database with its state, server, size and open connections', async () => {
    const [busy, idle] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
    const session = await openClient(pgConfigFromUrl(busy.connection_string!));
    try {
      const listed = await operator('list', '--json');
      expect(listed.code).toBe(0);
      const rows = listed.json().databases as Array<Record<string, unknown>>;
      const server = `127.0.0.1:${new URL(superUrl()).port}`;
      expect(rows.find((row) => row.id === busy.id)).toMatchObject({ name: nameOf(busy), state: 'UNCLAIMED', claimed: false, server, connections: 1, present: true, expiresAt: busy.expires_at });
      expect(rows.find((row) => row.id === idle.id)).toMatchObject({ connections: 0, sizeBytes: expect.any(Number) });
      expect(rows.find((row) => row.id === idle.id)!.sizeBytes).toBeGreaterThan(1024 * 1024);
      const table = await operator('list');
      expect(table.stdout).toMatch(new RegExp(`^${busy.id}\\s+${nameOf(busy)}\\s+UNCLAIMED\\s+${server.replace(/\./g, '\\.')}\\s+(<1m|\\dm)\\s+71h \\d+m\\s+[\\d.]+ MB\\s+1$`, 'm'));
      expect(table.stderr).toMatch(/\d+ databases: \d+ unclaimed, .*; creates on/);
    } finally {
      await session.end();
    }
  });

  test('expire: longer or shorter from now; one shortened to the past is reaped', async () => {
    const db = await createDb(serve.apiUrl);
    const longer = await operator('expire', db.id, '30d', '--json');
    expect(longer.code).toBe(0);
    const expiresAt = Date.parse((await getJson(`${serve.apiUrl}/database/${db.id}`)).body.expires_at);
    expect(Math.abs(expiresAt - Date.now() - 30 * 86_400_000)).toBeLessThan(60_000);
    expect(longer.json()).toMatchObject({ ok: true, id: db.id, expiresAt: new Date(expiresAt).toISOString() });
    const never = await operator('expire', nameOf(db), 'never');
    expect(never.code).toBe(2);
    expect(never.stderr).toContain('is unclaimed: it always expires');
    expect((await operator('expire', nameOf(db), '1ms')).code).toBe(0);
    await eventually(() => gone(db));
    expect((await getJson(`${serve.apiUrl}/database/${db.id}`)).status).toBe(400);
  });

  test('drop: now, by id or name, role and database; an unknown one is named', async () => {
    const plain = await createDb(serve.apiUrl);
    const dropped = await operator('drop', nameOf(plain), '--json');
    expect(dropped.json()).toEqual({ ok: true, action: 'serve-drop', id: plain.id, name: nameOf(plain), outcome: 'dropped' });
    expect(await gone(plain)).toBe(true); // at once, not at the next sweep
    expect((await getJson(`${serve.apiUrl}/database/${plain.id}`)).status).toBe(400);


    const unknown = await operator('drop', '01234567-89ab-7def-8123-456789abcdef');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No database 01234567-89ab-7def-8123-456789abcdef');
  });

  test('what a claim keeps: at most --max-claimed per server (past it the database still expires), for --claimed-ttl; a claimed one is dropped only with --force', async () => {
    const [first, second] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
    const page = await (await claim(first)).text();
    expect(page).toContain('It is kept until');
    const kept = (await getJson(`${serve.apiUrl}/database/${first.id}`)).body;
    expect(kept.status).toBe('CLAIMED');
    expect(Math.abs(Date.parse(kept.expires_at) - Date.now() - 3600_000)).toBeLessThan(60_000);

    const refused = await claim(second);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('keeps at most 1 claimed databases');
    expect((await getJson(`${serve.apiUrl}/database/${second.id}`)).body).toMatchObject({ status: 'UNCLAIMED', expires_at: second.expires_at });

    const notForced = await operator('drop', first.id);
    expect(notForced.code).toBe(2);
    expect(notForced.stderr).toMatch(/is claimed.*\n.*--force/);
    expect(await gone(first)).toBe(false);
    // The claimed one's time runs out (here: shortened by the operator): reaped, and its place is free.
    expect((await operator('expire', first.id, '1ms')).code).toBe(0);
    await eventually(() => gone(first));
    expect((await claim(second)).status).toBe(200);
    const forever = await operator('expire', second.id, 'never', '--json');
    expect(forever.json()).toMatchObject({ state: 'CLAIMED', expiresAt: null });
    expect((await getJson(`${serve.apiUrl}/database/${second.id}`)).body).toMatchObject({ status: 'CLAIMED', expires_at: null });
    expect((await operator('drop', second.id, '--force')).code).toBe(0);
    expect(await gone(second)).toBe(true);
  });
});

describe('creates paused, and the admin API', () => {
  test('pause: every create is a 503 with the operator\'s words (get-db reports it at once); resume: creates again', async () => {
    expect((await operator('pause', 'Back at 14:00 UTC')).code).toBe(0);
    try {
      const paused = await answerOf(503);
      expect(paused.body).toEqual({ error: 'Creates are paused on this server', hint: 'Back at 14:00 UTC', reason: 'paused' });
      const cli = await runCli(['-y', '--api-url', serve.apiUrl], { cwd: tmpdir(), env: { GET_DB_HTTP_RETRIES: '3' } });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('Creates are paused on this server');
      expect(cli.stderr).toContain('Back at 14:00 UTC');
      expect((await operator('list')).stderr).toContain('creates paused since');
    } finally {
      expect((await operator('resume')).code).toBe(0);
    }
    await answerOf(201);
  });

  test('the admin API (/admin/v1) answers only GET_DB_SERVE_ADMIN_TOKEN; list, expire, drop, pause and resume as the CLI does', async () => {
    expect((await fetch(`${serve.baseUrl}/admin/v1/databases`)).status).toBe(401);
    expect((await fetch(`${serve.baseUrl}/admin/v1/databases`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);

    const db = await createDb(serve.apiUrl);
    const listed = (await (await admin('/databases')).json()) as { databases: Array<{ id: string; state: string }>; pause: unknown };
    expect(listed.databases.find((row) => row.id === db.id)).toMatchObject({ state: 'UNCLAIMED' });
    expect(listed.pause).toBeNull();

    const moved = await admin(`/databases/${db.id}`, { method: 'PATCH', body: JSON.stringify({ expires_in: '2h' }) });
    expect(Date.parse(((await moved.json()) as { expires_at: string }).expires_at) - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect((await admin(`/databases/${db.id}`, { method: 'PATCH', body: JSON.stringify({ expires_in: null }) })).status).toBe(409);
    expect((await admin(`/databases/${db.id}`, { method: 'PATCH', body: JSON.stringify({ expires_in: 'soon' }) })).status).toBe(400);

    expect((await admin('/creates', { method: 'PUT', body: JSON.stringify({ paused: true, message: 'upgrading' }) })).status).toBe(200);
    expect((await answerOf(503)).body).toMatchObject({ hint: 'upgrading', reason: 'paused' });
    expect(await (await admin('/creates', { method: 'PUT', body: JSON.stringify({ paused: false }) })).json()).toEqual({ paused: false, message: null, since: null });
    await answerOf(201);

    expect(await (await admin(`/databases/${nameOf(db)}`, { method: 'DELETE' })).json()).toMatchObject({ id: db.id, outcome: 'dropped' });
    expect(await gone(db)).toBe(true);
    expect((await admin(`/databases/${db.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});
