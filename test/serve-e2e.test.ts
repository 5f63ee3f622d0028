/**
 * End to end with no internet: `get-db serve` on a real PostgreSQL (TLS + SCRAM), the
 * built CLI against it, then what a user does next: connect, seed, status, claim.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { openClient } from '../src/serve/postgres/prepare.js';
import { runCli, tempProject } from './helpers/cli.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { adminQuery, connectError, createDb, eventually, getJson, onTestPostgres, postJson, withClient } from './helpers/serve-http.js';

const SHOP_SCHEMA = resolve(import.meta.dirname, '../fixtures/seed/shop-schema.sql');

let serve: ServeProcess;
beforeAll(async () => {
  serve = await spawnServe([...onTestPostgres(), '--rate-limit', 'off']);
});
afterAll(async () => {
  expect(await serve.stop()).toBe(0);
});

describe('the CLI against get-db serve', () => {
  test('creates, writes .env, seeds; the URL it wrote connects; status and claim follow', async () => {
    const cwd = await tempProject();
    const created = await runCli(['-y', '--seed', SHOP_SCHEMA, '--api-url', serve.apiUrl], { cwd });
    expect(created.code, created.stderr).toBe(0);
    const env = parse(await readFile(join(cwd, '.env'), 'utf8'));
    expect(env.DATABASE_URL).toMatch(/^postgresql:\/\/gdb_[0-9a-f]{24}:[\w-]{43}@ep-serve-a1b2c3d4-pooler\..*\?sslmode=require$/);
    expect(env.DATABASE_URL_DIRECT).toBe(env.DATABASE_URL!.replace('-pooler.', '.'));
    expect(env.PUBLIC_INSTAGRES_CLAIM_URL).toMatch(new RegExp(`^${serve.baseUrl}/claim/[0-9a-f-]{36}$`));

    const customers = await withClient(env.DATABASE_URL!, async (c) => (await c.query('select count(*)::int as n from customers')).rows[0].n);
    expect(customers).toBeGreaterThan(0);

    const status = await runCli(['status', '--json', '--api-url', serve.apiUrl], { cwd });
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, status: 'UNCLAIMED', connectionStringServed: true });

    const reseed = await runCli(['seed', SHOP_SCHEMA, '--json'], { cwd });
    expect(reseed.code).toBe(1); // the tables exist: nothing half-applied, the database is fine
    expect(JSON.parse(reseed.stdout).error.code).toBe('SEED_FAILED');

    const page = await fetch(env.PUBLIC_INSTAGRES_CLAIM_URL!);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form method="post" action="\/claim\/[0-9a-f-]{36}"><button type="submit">Claim database<\/button>/);

    const claim = await fetch(env.PUBLIC_INSTAGRES_CLAIM_URL!, { method: 'POST' });
    expect(claim.status).toBe(200);
    const claimedHtml = await claim.text();
    expect(claimedHtml).toContain(env.DATABASE_URL!); // shown once, here
    expect(claimedHtml).toContain('shown only this once');

    const after = await runCli(['status', '--json', '--api-url', serve.apiUrl], { cwd });
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'CLAIMED', expiresAt: null, connectionStringServed: false });
    const again = await fetch(env.PUBLIC_INSTAGRES_CLAIM_URL!, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.text()).not.toContain(env.DATABASE_URL!);
    expect(await connectError(env.DATABASE_URL!)).toBeUndefined(); // claiming keeps it working

    const claimCmd = await runCli(['claim', '--json', '--api-url', serve.apiUrl], { cwd });
    expect(JSON.parse(claimCmd.stdout)).toMatchObject({ status: 'CLAIMED' });
  });

  test('each database is reachable with its own credentials and not with another’s', async () => {
    const [a, b] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
    expect(await connectError(a!.connection_string!)).toBeUndefined();
    expect(await connectError(b!.connection_string!)).toBeUndefined();
    const aUser = new URL(a!.connection_string!);
    const bDatabase = new URL(b!.connection_string!).pathname;
    const crossed = new URL(a!.connection_string!);
    crossed.pathname = bDatabase;
    expect(await connectError(crossed.href)).toMatch(/permission denied for database/);
    // This server leaves PUBLIC's CONNECT on its own databases as the operator set it, and says so.
    expect(serve.stderr()).toMatch(/Every role may connect to: .*postgres/);
    const wrongPassword = new URL(b!.connection_string!);
    wrongPassword.password = aUser.password;
    expect(await connectError(wrongPassword.href)).toMatch(/password authentication failed/);
    const [role] = await adminQuery<{ rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolreplication: boolean }>(
      'select rolsuper, rolcreatedb, rolcreaterole, rolreplication from pg_roles where rolname = $1',
      [decodeURIComponent(aUser.username)],
    );
    expect(role).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false });
  });

  test('a user holding a session on template1 cannot block creates (databases come from a template nobody can enter)', async () => {
    const db = await createDb(serve.apiUrl);
    const toTemplate1 = new URL(db.connection_string!);
    toTemplate1.pathname = '/template1'; // open to every role on this (stock) server
    await withClient(toTemplate1.href, async () => {
      const next = await createDb(serve.apiUrl);
      expect(await connectError(next.connection_string!)).toBeUndefined();
    });
    const toOurTemplate = new URL(db.connection_string!);
    toOurTemplate.pathname = '/get_db_serve_template';
    expect(await connectError(toOurTemplate.href)).toMatch(/not currently accepting connections|permission denied/);
  });

  test('logs one JSON line per request, with no password in them', async () => {
    const db = await createDb(serve.apiUrl);
    await getJson(`${serve.apiUrl}/database/${db.id}`);
    await eventually(async () => serve.logs().some((l) => l.event === 'request' && l.path === `/api/v1/database/${db.id}`));
    const lines = serve.logs().filter((l) => l.id === db.id);
    expect(lines.map((l) => [l.method, l.status])).toEqual([['POST', 201], ['GET', 200]]);
    for (const line of lines) expect(line).toMatchObject({ level: 'info', event: 'request', client: '127.0.0.1', ms: expect.any(Number) });
    const password = decodeURIComponent(new URL(db.connection_string!).password);
    expect(JSON.stringify(serve.logs())).not.toContain(password);
  });
});

describe('state lives in PostgreSQL', () => {
  test('two serve processes share it, and a restart loses nothing', async () => {
    const other = await spawnServe([...onTestPostgres(), '--rate-limit', 'off']);
    const db = await createDb(serve.apiUrl);
    const seen = await getJson(`${other.apiUrl}/database/${db.id}`);
    expect(seen).toMatchObject({ status: 200, body: { id: db.id, status: 'UNCLAIMED', connection_string: db.connection_string } });
    const claimed = await fetch(`${other.baseUrl}/claim/${db.id}`, { method: 'POST' });
    expect(claimed.status).toBe(200);
    expect((await getJson(`${serve.apiUrl}/database/${db.id}`)).body).toMatchObject({ status: 'CLAIMED', connection_string: null });
    expect(await other.stop()).toBe(0);

    const unclaimed = await createDb(serve.apiUrl);
    const restarted = await spawnServe([...onTestPostgres(), '--rate-limit', 'off']);
    expect((await getJson(`${restarted.apiUrl}/database/${unclaimed.id}`)).body).toMatchObject({ status: 'UNCLAIMED', expires_at: unclaimed.expires_at });
    expect(await restarted.stop()).toBe(0);
  });
});

describe('expiry and limits', () => {
  test('an unclaimed database past its expiry is dropped with its role; its id is then unknown', async () => {
    const shortLived = await spawnServe([...onTestPostgres(), '--ttl', '2s', '--sweep-interval', '250ms', '--rate-limit', 'off']);
    try {
      const db = await createDb(shortLived.apiUrl);
      const name = new URL(db.connection_string!).pathname.slice(1);
      const session = await withClient(db.connection_string!, async (client) => {
        await client.query('create table kept (id int)');
        // A session still open at expiry is ended by the drop, not waited for.
        await eventually(async () => (await adminQuery('select 1 from pg_database where datname = $1', [name])).length === 0);
        return client.query('select 1').then(() => 'alive', () => 'ended');
      }).catch(() => 'ended');
      expect(session).toBe('ended');
      // The role goes in the reaper's next statement; under load that is a moment later.
      await eventually(async () => (await adminQuery('select 1 from pg_roles where rolname = $1', [name])).length === 0);
      expect(await getJson(`${shortLived.apiUrl}/database/${db.id}`)).toEqual({ status: 400, body: { error: 'Database not found' } });
      expect((await fetch(db.claim_url)).status).toBe(404);
      expect(shortLived.logs()).toContainEqual(expect.objectContaining({ event: 'database_dropped', id: db.id }));
    } finally {
      await shortLived.stop();
    }
  });

  test('an unclaimed database over the storage limit becomes read-only; claiming lifts it and ends the sessions that began read-only', async () => {
    const limited = await spawnServe([...onTestPostgres(), '--storage-limit', '12MB', '--sweep-interval', '250ms', '--rate-limit', 'off']);
    try {
      const db = await createDb(limited.apiUrl);
      await withClient(db.connection_string!, async (client) => {
        await client.query('create table blob (data text)');
        await client.query('alter table blob alter column data set storage external'); // no compression
        await client.query(`insert into blob select string_agg(md5(random()::text), '') from generate_series(1, 64), generate_series(1, 6000) g group by g`);
      }).catch(() => {}); // the sweep may end this very session once the files pass the limit
      await eventually(async () => limited.logs().some((l) => l.event === 'database_read_only' && l.id === db.id));
      const write = await withClient(db.connection_string!, (c) => c.query('insert into blob values (1)')).then(() => 'ok', (e: Error) => e.message);
      expect(write).toMatch(/read-only transaction/);
      expect(await withClient(db.connection_string!, async (c) => (await c.query('select count(*)::int as n from blob')).rows[0].n)).toBeTypeOf('number');

      // A session opened while read-only stays read-only: the claim ends it, so the user reconnects writable.
      const before = await openClient(pgConfigFromUrl(db.connection_string!));
      try {
        expect((await before.query('show default_transaction_read_only')).rows[0].default_transaction_read_only).toBe('on');
        expect((await fetch(db.claim_url)).status).toBe(200);
        expect((await fetch(db.claim_url, { method: 'POST' })).status).toBe(200);
        expect(await before.query('select 1').then(() => 'alive', () => 'ended')).toBe('ended');
      } finally {
        await before.end().catch(() => {});
      }
      expect(await withClient(db.connection_string!, (c) => c.query('insert into blob values (1)')).then(() => 'ok')).toBe('ok');
    } finally {
      await limited.stop();
    }
  });

  test('SIGTERM lets a request in flight finish, then exits 0', async () => {
    const draining = await spawnServe([...onTestPostgres(), '--rate-limit', 'off']);
    // Hold the state table so the create is surely in flight when the signal comes.
    const { adminUrl } = inject('postgres');
    const exit = await withClient(adminUrl, async (blocker) => {
      await blocker.query('begin');
      await blocker.query('lock table get_db_serve.databases in access exclusive mode');
      const answer = postJson(`${draining.apiUrl}/database`, { ref: 'in-flight' });
      const waiting = `select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`;
      await eventually(async () => (await adminQuery(waiting, [`get-db serve ${draining.pid}`])).length > 0);
      const exited = draining.stop('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      await blocker.query('commit');
      return { answer: await answer, exited };
    });
    expect(exit.answer.status).toBe(201);
    expect(await exit.exited).toBe(0);
    expect(draining.stderr()).toContain('finishing requests in flight');
    expect((await getJson(`${serve.apiUrl}/database/${exit.answer.body.id}`)).body).toMatchObject({ status: 'UNCLAIMED' });
  });
});
