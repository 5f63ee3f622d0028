/**
 * serve on the cluster a team already has: PostgreSQL's stock settings (max_connections
 * 100, nothing reserved for non-superusers) and an admin with CREATEDB CREATEROLE only, on
 * the oldest and newest majors. Capacity does not come from connection slots; serve keeps
 * working when tenants take every slot; a full server says why; and what a tenant can fill
 * outside its database's files (the NOTIFY queue, the shared catalogs) or past its storage
 * limit through a neighbour is bounded.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { openClient } from '../src/serve/postgres/prepare.js';
import type { DatabaseView } from '../src/serve/http/database-view.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { connectError, createDb, eventually, getJson, postJson, withClient } from './helpers/serve-http.js';
import { inDatabase } from './helpers/serve-admin.js';
import { sampleValue, scrape } from './helpers/prometheus.js';
import { startStockCluster, stateRows, type StockCluster } from './helpers/stock.js';

const roleOf = (db: DatabaseView) => decodeURIComponent(new URL(db.connection_string!).username);
const NO_SLOT = /too many clients|remaining connection slots are reserved/;

/** Opens tenant sessions (each role up to its limit) until PostgreSQL has no slot left. */
async function takeEverySlot(dbs: DatabaseView[], perRole: number): Promise<pg.Client[]> {
  const held: pg.Client[] = [];
  for (let round = 0; round < perRole; round++) {
    for (const db of dbs) {
      try {
        held.push(await openClient(pgConfigFromUrl(db.connection_string!)));
      } catch (error) {
        if (NO_SLOT.test((error as Error).message)) return held;
        throw error;
      }
    }
  }
  throw new Error(`PostgreSQL still had slots after ${held.length} tenant sessions`);
}

const endAll = (clients: pg.Client[]) => Promise.all(clients.map((client) => client.end().catch(() => {})));

describe.each([18, 14] as const)('PostgreSQL %i, stock settings, admin with CREATEDB CREATEROLE only', (major) => {
  let stock: StockCluster;
  const base = () => ['--postgres-url', stock.admin.url, '--rate-limit', 'off'];
  const live = async () => (await stateRows<{ n: number }>(stock, `SELECT count(*)::int AS n FROM get_db_serve.databases WHERE state <> 'DELETING'`))[0]!.n;
  const exists = async (name: string) => (await stock.query(`SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1`, [name])).length > 0;
  let dbs: DatabaseView[] = [];

  beforeAll(async () => {
    stock = await startStockCluster(major);
  });
  afterAll(async () => {
    await stock?.postgres.stop();
  });

  test('capacity is not the connection slots: 20 concurrent creates all succeed; with every slot taken by tenants, creates, reads and claims still answer; trials a killed start left are gone', async () => {
    expect((await stock.query<{ max_connections: string }>('SHOW max_connections'))[0]).toEqual({ max_connections: '100' });
    // What a start killed mid-trial leaves: a trial named for a session no longer there, and one from before names carried it.
    const leftovers = [`gdb_trial_${2 ** 22 + 7}_0123456789ab`, 'gdb_trial_0123456789ab'];
    await withClient(stock.admin.url, async (c) => {
      for (const name of leftovers) {
        await c.query(`CREATE ROLE ${name} NOLOGIN; GRANT ${name} TO CURRENT_USER`);
        await c.query(`CREATE DATABASE ${name} OWNER ${name}`);
      }
    });
    // Defaults, but one sweep only (at start): the next test shows the sweep ending tenant sessions.
    const serve = await spawnServe([...base(), '--sweep-interval', '1h']);
    try {
      for (const name of leftovers) expect(await exists(name)).toBe(false);
      // Before, (100 − 3 − 20) ÷ 5 = 15 databases was the cap.
      const answers = await Promise.all(Array.from({ length: 20 }, () => postJson(`${serve.apiUrl}/database`, { ref: 'capacity' })));
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
      dbs = answers.map((answer) => answer.body as DatabaseView);
      // It says what a stock cluster lacks: reserved slots for it, and a way to read free disk.
      expect(serve.stderr()).toMatch(major >= 16 ? /reserved_connections = 15; GRANT pg_use_reserved_connections TO "?adm_/ : /PostgreSQL 14 reserves slots for superusers only/);
      expect(serve.stderr()).toMatch(/Free disk cannot be read from here.*--disk-size/s);

      const held = await takeEverySlot(dbs, 5);
      try {
        expect(held.length).toBeGreaterThan(60);
        const made = await createDb(serve.apiUrl);
        expect((await getJson(`${serve.apiUrl}/database/${made.id}`)).status).toBe(200);
        expect((await fetch(dbs[0]!.claim_url, { method: 'POST' })).status).toBe(200);
        expect((await getJson(`${serve.baseUrl}/healthz`)).status).toBe(200);
        expect(await connectError(made.connection_string!)).toMatch(NO_SLOT); // still full: serve used its own sessions
        dbs.push(made);
      } finally {
        await endAll(held);
      }
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  test('a full server answers 503 with its reason in the body, the log and /metrics: --max-databases, and the free-disk floor (read by size budget, or from the data directory)', async () => {
    const count = await live();
    const superUrl = stock.postgres.adminUrl; // a superuser on this machine may read data_directory: free disk is read there
    // The data directory's gauge (statfs) is the same on every major: read it on one.
    const [capped, budget, local] = await Promise.all([
      spawnServe([...base(), '--metrics', '--max-databases', String(count + 1)]),
      spawnServe([...base(), '--metrics', '--disk-size', '1MB', '--min-free-disk', '1MB']),
      ...(major === 18 ? [spawnServe(['--postgres-url', superUrl, '--rate-limit', 'off', '--metrics', '--min-free-disk', '100000TB'])] : []),
    ]);
    try {
      expect((await postJson(`${capped.apiUrl}/database`, { ref: 'cap' })).status).toBe(201);
      const full = await postJson(`${capped.apiUrl}/database`, { ref: 'cap' });
      expect([full.status, full.body.reason, full.headers.get('retry-after')]).toEqual([503, 'max_databases', '300']);
      expect(full.body.error).toMatch(/maximum of \d+ databases \(--max-databases\)/);
      await eventually(async () => capped.logs().some((line) => line.event === 'create_refused' && line.reason === 'max_databases')); // stdout may trail the answer
      expect(capped.logs().filter((line) => line.event === 'postgres_unavailable')).toEqual([]);
      const metrics = await scrape(capped.baseUrl);
      expect(sampleValue(metrics, 'get_db_serve_creates_refused_total', { reason: 'max_databases' })).toBe(1);
      expect(sampleValue(metrics, 'get_db_serve_creates_total', { outcome: 'full' })).toBe(1);

      for (const serve of local ? [budget!, local] : [budget!]) {
        await eventually(async () => (await scrape(serve.baseUrl)).some((sample) => sample.name === 'get_db_serve_disk_free_bytes'));
        const low = await postJson(`${serve.apiUrl}/database`, { ref: 'disk' });
        expect([low.status, low.body.reason]).toEqual([503, 'disk']);
        expect(low.body.error).toMatch(/low on disk: .* free, under the \d+ MB floor \(--min-free-disk\)/);
        await eventually(async () => serve.logs().some((line) => line.event === 'create_refused' && line.reason === 'disk'));
        expect(sampleValue(await scrape(serve.baseUrl), 'get_db_serve_creates_refused_total', { reason: 'disk' })).toBe(1);
      }
      expect(await live()).toBe(count + 1);
    } finally {
      for (const serve of [capped!, budget!, ...(local ? [local] : [])]) expect(await serve.stop()).toBe(0);
    }
  });

  describe('with the sweeper running every 300 ms', () => {
    let serve: ServeProcess;
    const events = (event: string) => serve.logs().filter((line) => line.event === event);
    /** `rows` × 2 KB of incompressible text into table blob. */
    const fill = (rows: number) => `INSERT INTO blob SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 64), generate_series(1, ${rows}) g GROUP BY g`;
    const locked = async (db: DatabaseView) => (await stock.query<{ open: boolean }>('SELECT datallowconn AS open FROM pg_database WHERE datname = $1', [roleOf(db)]))[0]?.open === false;
    /** Expired now, as if its --ttl had passed. */
    const expire = (db: DatabaseView) => stock.query(`UPDATE get_db_serve.databases SET expires_at = now() WHERE id = $1`, [db.id], 'get_db_serve');

    beforeAll(async () => {
      serve = await spawnServe([...base(), '--storage-limit', '12MB', '--sweep-interval', '300ms']);
    });
    afterAll(async () => {
      if (serve) expect(await serve.stop()).toBe(0);
    });

    test('tenant sessions past --max-tenant-connections (default: max_connections less reserved slots and 20) are ended, newest first', async () => {
      const held = await takeEverySlot(dbs, 5); // 100 − 3 reserved − serve's 15: more than the 77 tenants may keep
      try {
        await eventually(async () => (await Promise.all(held.map((client) => client.query('SELECT 1').then(() => true, () => false)))).filter(Boolean).length <= 77);
        const alive = await Promise.all(held.map((client) => client.query('SELECT 1').then(() => true, () => false)));
        expect(alive.slice(0, 70).every(Boolean)).toBe(true); // the oldest kept
        await eventually(async () => events('tenant_connections_trimmed').some((line) => line.maxTenantConnections === 77)); // stdout may trail
      } finally {
        await endAll(held);
      }
    });

    test('the reaper: an invalid database (a DROP cut off) is dropped, not altered; a drop that keeps failing is logged with its statement, the others go on', async () => {
      const [invalid, stuck, plain, closer] = await Promise.all(Array.from({ length: 4 }, () => createDb(serve.apiUrl)));
      expect((await fetch(closer!.claim_url, { method: 'POST' })).status).toBe(200);
      // A claimed owner grants the stuck one something in its database, then closes it to everyone: DROP OWNED there cannot run.
      const closed = roleOf(closer!);
      await withClient(closer!.connection_string!, (c) => c.query(`CREATE TABLE bait (i int); GRANT SELECT ON bait TO ${roleOf(stuck!)}`));
      await withClient(inDatabase(closer!.connection_string!, 'postgres'), (c) => c.query(`ALTER DATABASE ${closed} ALLOW_CONNECTIONS false`));
      // What a crash mid-DROP DATABASE leaves (as PostgreSQL's own tests make one).
      await stock.query(`UPDATE pg_database SET datconnlimit = -2 WHERE datname = $1`, [roleOf(invalid!)]);
      for (const db of [invalid!, stuck!, plain!]) await expire(db);
      // One that fails — even a statement that ends its session — holds up no other: the plain one goes, then the invalid one.
      await eventually(async () => !(await exists(roleOf(plain!))));
      await eventually(async () => !(await exists(roleOf(invalid!))));
      await eventually(async () => events('drop_failed').filter((line) => line.name === roleOf(stuck!)).length >= 2);
      const failure = events('drop_failed').find((line) => line.name === roleOf(stuck!))!;
      expect(failure.statement).toBe(`(connect to ${closed})`);
      expect(failure.error).toMatch(/not currently accepting connections/);
      expect(await connectError(stuck!.connection_string!)).toMatch(/password authentication failed|not permitted to log in|does not exist/); // its login went first
      await withClient(inDatabase(stock.postgres.adminUrl, 'postgres'), (c) => c.query(`ALTER DATABASE ${closed} ALLOW_CONNECTIONS true`));
      await eventually(async () => !(await exists(roleOf(stuck!))));
      expect(events('sweep_step_failed')).toEqual([]);
    });

    test('the wall at twice the storage limit ends every session in the database and closes it, a neighbour it let in included; a claim opens it again', async () => {
      const [owner, neighbour] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      const name = roleOf(owner);
      await withClient(owner.connection_string!, (c) => c.query(`GRANT ALL ON DATABASE ${name} TO ${roleOf(neighbour)}; GRANT ALL ON SCHEMA public TO ${roleOf(neighbour)}`));
      const intruder = inDatabase(neighbour.connection_string!, name);
      await withClient(intruder, (c) => c.query('CREATE TABLE blob (data text); ALTER TABLE blob ALTER COLUMN data SET STORAGE EXTERNAL'));
      // Read-only at 12 MB (its sessions ended) does not stop a session that switches it off: the neighbour comes back and writes on, past 24 MB.
      const write = () => withClient(intruder, async (c) => (await c.query('SET default_transaction_read_only = off'), await c.query(fill(2500)))).catch(() => {});
      for (let i = 0; i < 10 && !(await locked(owner)); i++) await write();
      await eventually(async () => await locked(owner));
      await eventually(async () => events('database_locked').some((line) => line.id === owner.id));
      expect(await connectError(intruder)).toMatch(/not currently accepting connections/);
      expect(await connectError(owner.connection_string!)).toMatch(/not permitted to log in|not currently accepting connections/);
      expect((await stock.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1`, [name])).length).toBe(0);
      expect((await fetch(owner.claim_url, { method: 'POST' })).status).toBe(200);
      expect(await withClient(owner.connection_string!, (c) => c.query('CREATE TABLE mine (i int); INSERT INTO mine VALUES (1)')).then(() => 'ok')).toBe('ok');
    });

    test('the NOTIFY queue held back by a listener in an open transaction: the listener is ended and its database locked, the queue bounded', async () => {
      const [listener, sender] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      const held = await openClient(pgConfigFromUrl(listener.connection_string!));
      try {
        for (const sql of ['LISTEN flood', 'BEGIN', 'SELECT 1']) await held.query(sql);
        const usage = async () => (await stock.query<{ mb: number }>(`SELECT (pg_notification_queue_usage() * 8192)::float8 AS mb`))[0]!.mb;
        // 8 MB a round (1000 notifications of 8 KB); the limit is 12 MB.
        const flood = `SELECT pg_notify('flood', i || repeat(md5(random()::text), 240)) FROM generate_series(1, 1000) i`;
        await withClient(sender.connection_string!, async (c) => {
          for (let round = 0; round < 6 && !(await locked(listener)); round++) await c.query(flood);
        });
        await eventually(async () => await locked(listener));
        expect(await held.query('SELECT 1').then(() => 'alive', () => 'ended')).toBe('ended');
        await eventually(async () => events('notify_queue_full').some((line) => String(line.ended) === roleOf(listener) && String(line.locked) === roleOf(listener)));
        expect(await usage()).toBeLessThan(64); // MB, of an 8 GB queue
        // With the holder gone, the queue empties as notifications go on.
        await withClient(sender.connection_string!, (c) => c.query(flood));
        expect(await usage()).toBeLessThan(12);
        expect(await connectError(sender.connection_string!)).toBeUndefined(); // the sender was not the holder
      } finally {
        await held.end().catch(() => {});
      }
    });

    test('the shared catalogs: a database keeping long ALTER DATABASE/ROLE … SET or COMMENT ON DATABASE values is locked; so is one growing them by setting and resetting', async () => {
      const [setter, commenter, roleSetter] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      const big = `(SELECT string_agg('s' || md5(i::text), ',') FROM generate_series(1, 4000) i)`; // 136 KB, a valid search_path
      const run = (db: DatabaseView, sql: string) => withClient(db.connection_string!, (c) => c.query(`DO $$ BEGIN EXECUTE format(${sql}, current_database(), ${big}); END $$`));
      await run(setter, `'ALTER DATABASE %I SET search_path = %s'`);
      await run(commenter, `'COMMENT ON DATABASE %I IS %L'`);
      await run(roleSetter, `'ALTER ROLE CURRENT_USER IN DATABASE %I SET search_path = %s'`);
      for (const db of [setter, commenter, roleSetter]) await eventually(async () => await locked(db));
      const heavy = () => events('shared_catalog_growth').flatMap((line) => (line.heavy as Array<{ name: string }>).map((entry) => entry.name)).sort();
      await eventually(async () => heavy().length >= 3);
      expect(heavy()).toEqual([setter, commenter, roleSetter].map(roleOf).sort());

      // Set and reset in a loop leaves no long value behind, only dead rows: the growth itself gives it away.
      // Each burst in a session of its own that leaves at once, as a tenant hiding from pg_stat_activity would.
      const churner = await createDb(serve.apiUrl);
      const burst = `DO $$ BEGIN FOR i IN 1..60 LOOP
          EXECUTE format('ALTER DATABASE %I SET search_path = %s', current_database(), (SELECT string_agg('s' || md5(random()::text), ',') FROM generate_series(1, 3000)));
          EXECUTE format('ALTER DATABASE %I RESET search_path', current_database()); END LOOP; END $$`;
      await eventually(async () => {
        await withClient(churner.connection_string!, (c) => c.query(burst)).catch(() => {}); // once locked, it cannot connect
        return await locked(churner);
      }, 90_000);
      // Named and locked (the writers may also name the tenants above, seen by the heartbeat and locked already).
      await eventually(async () => events('shared_catalog_growth').some((line) => (line.writers as string[]).includes(roleOf(churner)) && String(line.locked) === roleOf(churner)));
    }, 150_000);
  });
});
