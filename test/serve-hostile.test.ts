/**
 * Every role serve hands out belongs to a possible attacker. Each attack here runs as a
 * provisioned role, against serve with a non-superuser admin (CREATEDB CREATEROLE) on
 * the oldest and newest majors (14 installed on first use, 18 the test run's): expired must mean gone, and nothing a tenant does may stop
 * the reaper, keep credentials alive, or stall serve.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import pg from 'pg';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { createRoleAndDatabase, dropRoleAndDatabase, TEMPLATE } from '../src/serve/postgres/cluster.js';
import { inDatabaseVia, openClient } from '../src/serve/postgres/prepare.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { connectError, createDb, eventually, postJson, withClient } from './helpers/serve-http.js';
import { embeddedPostgresOf, inDatabase, managedAdmin, roleOrDatabaseExists, superQuery } from './helpers/serve-admin.js';

describe.each([18, 14])('PostgreSQL %i', (major) => {
  let own: EmbeddedPostgres | undefined;
  let target: { adminUrl: string; port: number };
  let admin: { name: string; url: string };
  let serve: ServeProcess;
  const gone = async (name: string) => !(await roleOrDatabaseExists(target.adminUrl, name));
  const dbName = (url: string) => new URL(url).pathname.slice(1);
  /** `rows` × 2 KB of incompressible text into table blob. */
  const fill = (rows: number) => `INSERT INTO blob SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 64), generate_series(1, ${rows}) g GROUP BY g`;
  // Every process on one state sweeps for all of them, so all get the same storage limit
  // (the template is about 8 MB, under it).
  const serveArgs = (extra: string[] = []) => ['--postgres-url', admin.url, '--rate-limit', 'off', '--public-host', `127.0.0.1:${target.port}`, '--storage-limit', '12MB', ...extra];

  beforeAll(async () => {
    own = major === 18 ? undefined : await startEmbeddedPostgres({ packageName: embeddedPostgresOf(14) });
    target = own ?? inject('postgres');
    admin = await managedAdmin(target.adminUrl);
    // A group made by someone else (an earlier superuser serve): this admin may not grant it.
    await superQuery(target.adminUrl, `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'get_db_serve_users') THEN CREATE ROLE get_db_serve_users NOLOGIN; END IF; END $$`);
    // …and a state schema an earlier superuser serve left in the URL's database: not this admin's, so it keeps its own.
    await superQuery(target.adminUrl, 'CREATE SCHEMA IF NOT EXISTS get_db_serve');
    const refused = await spawnServe(serveArgs()).then(
      async (s) => (await s.stop(), 'started'),
      (error: Error) => error.message,
    );
    // PostgreSQL 16+ lets a CREATEROLE role grant only roles it holds WITH ADMIN OPTION.
    if (major >= 16) expect(refused).toMatch(/CREATE ROLE "gdb_trial_\w+" .*IN ROLE "get_db_serve_users" failed: permission denied to grant role.*\n.*Fix: GRANT get_db_serve_users TO "adm_\w+" WITH ADMIN OPTION/);
    await superQuery(target.adminUrl, `GRANT get_db_serve_users TO ${admin.name} WITH ADMIN OPTION`);
    // Processes sharing state share options: each sweep sets every role's connection limit.
    serve = await spawnServe(serveArgs(['--ttl', '4s', '--sweep-interval', '300ms', '--connections-per-database', '2']));
  });
  afterAll(async () => {
    try {
      if (serve) expect(await serve.stop()).toBe(0);
    } finally {
      await own?.stop(); // even when start-up failed: no PostgreSQL outlives the run
    }
  });

  // Independent tenants on one serve: they run at once, so the file waits out one expiry, not five.
  describe.concurrent('expired means gone, whatever the tenant did', () => {
    test('ALTER DATABASE own IS_TEMPLATE true: dropped anyway, and the others after it too', async () => {
      const [template, plain] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      await withClient(template.connection_string!, (c) => c.query(`ALTER DATABASE ${dbName(template.connection_string!)} IS_TEMPLATE true`));
      await eventually(async () => (await gone(dbName(template.connection_string!))) && (await gone(dbName(plain.connection_string!))));
    });

    test('GRANT on a bait table to a neighbour’s role: the neighbour is still dropped (and its login dies at expiry)', async () => {
      const [owner, neighbour] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      expect((await fetch(owner.claim_url, { method: 'POST' })).status).toBe(200); // lives on
      const neighbourRole = decodeURIComponent(new URL(neighbour.connection_string!).username);
      await withClient(owner.connection_string!, (c) => c.query(`CREATE TABLE bait (i int); GRANT SELECT ON bait TO ${neighbourRole}`));
      await eventually(async () => gone(neighbourRole));
      expect(await connectError(neighbour.connection_string!)).toMatch(/password authentication failed|does not exist/);
      expect(serve.logs().filter((l) => l.event === 'drop_failed' && l.name === neighbourRole)).toEqual([]); // dropped at the first try
    });

    test('a drop that cannot finish (the neighbour’s grant is in a database its owner closed): the role stays, without login or password, and goes once it opens', async () => {
      const owner = await createDb(serve.apiUrl);
      expect((await fetch(owner.claim_url, { method: 'POST' })).status).toBe(200);
      const own = dbName(owner.connection_string!);
      await withClient(owner.connection_string!, (c) => c.query('CREATE TABLE bait (i int)'));
      // Both sessions open before the neighbour exists, so the grant and the close (made from
      // another database) follow its creation by two statements, long before its expiry.
      const [inside, elsewhere] = await Promise.all([openClient(pgConfigFromUrl(owner.connection_string!)), openClient(pgConfigFromUrl(inDatabase(owner.connection_string!, 'postgres')))]);
      try {
        const neighbour = await createDb(serve.apiUrl);
        const neighbourRole = decodeURIComponent(new URL(neighbour.connection_string!).username);
        await inside.query(`GRANT SELECT ON bait TO ${neighbourRole}`);
        await elsewhere.query(`ALTER DATABASE ${own} ALLOW_CONNECTIONS false`);
        const outcome = () => serve.logs().find((l) => (l.event === 'drop_failed' && l.name === neighbourRole) || (l.event === 'database_dropped' && l.id === neighbour.id));
        await eventually(async () => outcome() !== undefined, 40_000);
        expect(outcome()!.event).toBe('drop_failed');
        const role = await superQuery<{ login: boolean; password: string | null }>(target.adminUrl, 'SELECT rolcanlogin AS login, rolpassword AS password FROM pg_authid WHERE rolname = $1', [neighbourRole]);
        expect(role).toEqual([{ login: false, password: null }]);
        expect(await connectError(inDatabase(neighbour.connection_string!, 'postgres'))).toMatch(/password authentication failed/);
        await elsewhere.query(`ALTER DATABASE ${own} ALLOW_CONNECTIONS true`);
        await eventually(async () => gone(neighbourRole), 40_000);
      } finally {
        await elsewhere.query(`ALTER DATABASE ${own} ALLOW_CONNECTIONS true`).catch(() => {}); // a failed run leaves no drop retried every sweep
        await Promise.all([inside.end(), elsewhere.end()].map((ended) => ended.catch(() => {})));
      }
    }, 90_000); // two waits on a sweep queue the other tenants' drops fill: seconds alone, up to a minute on a loaded machine

    test('the bait’s owner leaves open a transaction that altered the bait: the neighbour is still dropped', async () => {
      const [owner, neighbour] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      expect((await fetch(owner.claim_url, { method: 'POST' })).status).toBe(200);
      const neighbourRole = decodeURIComponent(new URL(neighbour.connection_string!).username);
      await withClient(owner.connection_string!, (c) => c.query(`CREATE TABLE bait (i int); GRANT SELECT ON bait TO ${neighbourRole}`));
      const held = await openClient(pgConfigFromUrl(owner.connection_string!));
      try {
        await held.query('BEGIN; ALTER TABLE bait ADD COLUMN j int'); // DROP OWNED's REVOKE waits for bait's row
        await eventually(async () => gone(neighbourRole));
      } finally {
        await held.end().catch(() => {});
      }
    });

    test('an owner’s table built on a type a neighbour made in its database: the neighbour is still dropped (its objects CASCADE)', async () => {
      const [owner, neighbour] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      expect((await fetch(owner.claim_url, { method: 'POST' })).status).toBe(200);
      const neighbourRole = decodeURIComponent(new URL(neighbour.connection_string!).username);
      const own = dbName(owner.connection_string!);
      await withClient(owner.connection_string!, (c) => c.query(`GRANT CONNECT ON DATABASE ${own} TO ${neighbourRole}; GRANT CREATE ON SCHEMA public TO ${neighbourRole}`));
      await withClient(inDatabase(neighbour.connection_string!, own), (c) => c.query('CREATE TYPE public.pinned AS (i int)'));
      await withClient(owner.connection_string!, (c) => c.query('CREATE TABLE anchor (x public.pinned, y int)'));
      await eventually(async () => gone(neighbourRole));
      expect(await withClient(owner.connection_string!, async (c) => (await c.query('SELECT count(*)::int AS n FROM anchor')).rows[0].n)).toBe(0);
    });

    test('the bait’s database set, for whoever enters, read-only, 1 ms timeouts, its owner’s role and a library that is not there: the neighbour is still dropped', async () => {
      const [owner, neighbour] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      expect((await fetch(owner.claim_url, { method: 'POST' })).status).toBe(200);
      const neighbourRole = decodeURIComponent(new URL(neighbour.connection_string!).username);
      const own = dbName(owner.connection_string!);
      await withClient(owner.connection_string!, (c) =>
        c.query(`CREATE TABLE bait (i int); GRANT SELECT ON bait TO ${neighbourRole};
          ALTER DATABASE ${own} SET default_transaction_read_only = on; ALTER DATABASE ${own} SET statement_timeout = 1;
          ALTER DATABASE ${own} SET lock_timeout = 1; ALTER DATABASE ${own} SET search_path = public, pg_catalog;
          ALTER DATABASE ${own} SET role = ${own}; ALTER DATABASE ${own} SET idle_session_timeout = 1;
          ALTER DATABASE ${own} SET local_preload_libraries = 'no_such_library'`),
      );
      await eventually(async () => gone(neighbourRole));
    });

    test('a session holding a temp table in `postgres`: the login dies at expiry, the role goes once the session is ended', async () => {
      const db = await createDb(serve.apiUrl);
      const role = decodeURIComponent(new URL(db.connection_string!).username);
      const held = await withClient(inDatabase(db.connection_string!, 'postgres'), async (c) => {
        await c.query('CREATE TEMP TABLE hold (i int)');
        await eventually(async () => gone(role));
        return c.query('SELECT 1').then(() => 'alive', () => 'ended');
      }).catch(() => 'ended');
      expect(held).toBe('ended');
      expect(await connectError(inDatabase(db.connection_string!, 'postgres'))).toMatch(/password authentication failed|does not exist/);
    });

    // PUBLIC may create in public schemas before PostgreSQL 15 only.
    if (major < 15) test('a table in `postgres`’s public schema (PUBLIC may create there before 15): dropped with the role', async () => {
      const db = await createDb(serve.apiUrl);
      const role = decodeURIComponent(new URL(db.connection_string!).username);
      await withClient(inDatabase(db.connection_string!, 'postgres'), (c) => c.query(`CREATE TABLE public.${role}_litter (i int)`));
      await eventually(async () => gone(role));
      expect(await superQuery(target.adminUrl, 'SELECT 1 FROM pg_tables WHERE tablename = $1', [`${role}_litter`])).toEqual([]);
    });

    // On 14 a role holds ADMIN OPTION on itself.
    if (major < 15) test('REVOKE its own role FROM serve’s admin, with a session open: its login and database still go', async () => {
      const db = await createDb(serve.apiUrl);
      const role = decodeURIComponent(new URL(db.connection_string!).username);
      const held = await openClient(pgConfigFromUrl(db.connection_string!));
      try {
        await held.query(`REVOKE ${role} FROM ${admin.name}`);
        await eventually(async () => gone(role));
        expect(await held.query('SELECT 1').then(() => 'alive', () => 'ended')).toBe('ended');
      } finally {
        await held.end().catch(() => {});
      }
      // A sweep's size check grants it back first, unless the REVOKE lands between that and the expiry: the drop alone.
      const name = `gdb_revoked_${Date.now().toString(16)}`;
      await withClient(admin.url, async (client) => {
        await createRoleAndDatabase(client, name, 'x'.repeat(40), { connectionLimit: 2 });
        const url = new URL(inDatabase(admin.url, name));
        [url.username, url.password] = [name, 'x'.repeat(40)];
        await withClient(url.href, (c) => c.query(`REVOKE ${name} FROM ${admin.name}`));
        await dropRoleAndDatabase(client, name, inDatabaseVia(pgConfigFromUrl(admin.url)));
      });
      expect(await gone(name)).toBe(true);
    });

    test('advisory locks on serve’s old keys in every database a tenant can reach: sweeps and new processes go on', async () => {
      const attacker = await createDb(serve.apiUrl);
      const expiring = await createDb(serve.apiUrl);
      const url = inDatabase(attacker.connection_string!, 'postgres');
      await withClient(url, async (c) => {
        await c.query(`SELECT pg_advisory_lock(hashtext('get_db_serve.sweep')), pg_advisory_lock(hashtext('get_db_serve.migrate'))`);
        expect(await c.query('SELECT * FROM get_db_serve.leases FOR UPDATE').then(() => 'locked', (e: Error) => e.message)).toMatch(/permission denied|does not exist/);
        const second = await spawnServe(serveArgs()); // its migrate must not wait on the tenant
        await second.stop();
        await eventually(async () => gone(dbName(expiring.connection_string!)));
      });
    });

    test('a function named like a catalog one, in a public schema tenants may create in (PUBLIC may on 14 and on clusters upgraded from it): never runs as serve', async () => {
      // An admin that owns its URL's database keeps its state there, as on managed services' `postgres`.
      const home = `home_${Date.now().toString(16)}`;
      await superQuery(target.adminUrl, `CREATE DATABASE ${home} OWNER ${admin.name}`);
      await superQuery(target.adminUrl, 'GRANT CREATE ON SCHEMA public TO PUBLIC', [], home); // 15+: as a cluster upgraded from 14 has it
      // Where the look-alike would write if it ran as serve (not the tenant's, so its reap keeps it).
      await superQuery(target.adminUrl, 'CREATE TABLE public.loot (who text); GRANT INSERT ON public.loot TO PUBLIC', [], home);
      const args = ['--postgres-url', inDatabase(admin.url, home), '--rate-limit', 'off', '--public-host', `127.0.0.1:${target.port}`, '--ttl', '4s', '--sweep-interval', '300ms'];
      const first = await spawnServe(args);
      try {
        const db = await createDb(first.apiUrl);
        const role = decodeURIComponent(new URL(db.connection_string!).username);
        // pg_catalog's pg_database_size takes name or oid; for an untyped parameter text is the better match.
        await withClient(inDatabase(db.connection_string!, home), (c) =>
          c.query(`CREATE FUNCTION public.pg_database_size(text) RETURNS bigint LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO public.loot VALUES (current_user); RETURN pg_catalog.pg_database_size($1::name); END $$`),
        );
        await (await spawnServe(args)).stop(); // its start-time trial measures a database, as sweeps do
        expect(await superQuery(target.adminUrl, 'SELECT who FROM public.loot', [], home)).toEqual([]);
        await eventually(async () => gone(role));
      } finally {
        await first.stop();
        await superQuery(target.adminUrl, `DROP DATABASE ${home} WITH (FORCE)`);
      }
    });

    test('open transactions that changed its own role’s and database’s rows, or granted to a neighbour’s role: the sweep goes on, both are dropped', async () => {
      const [holder, claimed, neighbour] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      expect((await fetch(claimed.claim_url, { method: 'POST' })).status).toBe(200);
      const own = dbName(holder.connection_string!);
      const neighbourRole = decodeURIComponent(new URL(neighbour.connection_string!).username);
      const held = await Promise.all([holder, claimed].map((db) => openClient(pgConfigFromUrl(db.connection_string!))));
      try {
        await held[0]!.query(`BEGIN; ALTER ROLE CURRENT_USER PASSWORD 'mine now'; ALTER DATABASE ${own} SET work_mem = '1MB';
          ALTER ROLE CURRENT_USER IN DATABASE ${own} SET work_mem = '1MB'`);
        await held[1]!.query(`BEGIN; CREATE TABLE bait (i int); GRANT SELECT ON bait TO ${neighbourRole}`);
        await eventually(async () => (await gone(own)) && (await gone(neighbourRole)));
        expect(await held[0]!.query('SELECT 1').then(() => 'alive', () => 'ended')).toBe('ended');
      } finally {
        for (const c of held) await c.end().catch(() => {});
      }
    });

    test('storage limit and claim with the tenant’s open transaction on its own settings: read-only is set anyway, and the claim answers', async () => {
      const limited = await spawnServe(serveArgs(['--sweep-interval', '300ms', '--connections-per-database', '2']));
      const events = () => [...limited.logs(), ...serve.logs()];
      const grip = async (url: string, sql: string) => {
        const c = await openClient(pgConfigFromUrl(url));
        await c.query('SET default_transaction_read_only = off');
        await c.query(`BEGIN; ${sql}`);
        return c;
      };
      const held: pg.Client[] = [];
      try {
        const db = await createDb(limited.apiUrl);
        const name = dbName(db.connection_string!);
        held.push(await grip(db.connection_string!, `ALTER DATABASE ${name} SET work_mem = '1MB'`));
        await withClient(db.connection_string!, async (c) => {
          await c.query('CREATE TABLE blob (data text); ALTER TABLE blob ALTER COLUMN data SET STORAGE EXTERNAL');
          await c.query(fill(3000));
        }).catch(() => {});
        await eventually(async () => events().some((l) => l.event === 'database_read_only' && l.id === db.id));
        held.push(await grip(db.connection_string!, `ALTER ROLE CURRENT_USER IN DATABASE ${name} SET work_mem = '1MB'`));
        expect((await fetch(db.claim_url, { method: 'POST' })).status).toBe(200);
        expect(await withClient(db.connection_string!, (c) => c.query('INSERT INTO blob VALUES (1)')).then(() => 'ok')).toBe('ok');
      } finally {
        for (const c of held) await c.end().catch(() => {});
        await limited.stop();
      }
    });
  });

  describe('limits tenants cannot lift', () => {
    test('the storage limit: lifting read-only is undone by the next sweep; writing past twice the limit locks the role out until claimed', async () => {
      const limited = await spawnServe(serveArgs(['--sweep-interval', '300ms', '--connections-per-database', '2']));
      // Both processes sweep the same state, whichever holds the lease: read both logs.
      const events = () => [...limited.logs(), ...serve.logs()];
      try {
        const db = await createDb(limited.apiUrl);
        const name = dbName(db.connection_string!);
        await withClient(db.connection_string!, async (c) => {
          await c.query('CREATE TABLE blob (data text); ALTER TABLE blob ALTER COLUMN data SET STORAGE EXTERNAL');
          await c.query(fill(3000));
        }).catch(() => {});
        await eventually(async () => events().some((l) => l.event === 'database_read_only' && l.id === db.id));

        // An owner revoking its own CONNECT (serve reads sizes through it) is still measured.
        const hidden = await createDb(limited.apiUrl);
        await withClient(hidden.connection_string!, async (c) => {
          await c.query(`REVOKE CONNECT ON DATABASE ${dbName(hidden.connection_string!)} FROM CURRENT_USER`);
          await c.query('CREATE TABLE blob (data text); ALTER TABLE blob ALTER COLUMN data SET STORAGE EXTERNAL');
          await c.query(fill(3000));
        }).catch(() => {});
        await eventually(async () => events().some((l) => l.event === 'database_read_only' && l.id === hidden.id));

        await withClient(db.connection_string!, async (c) => {
          await c.query('SET default_transaction_read_only = off');
          await c.query(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
          await c.query(`ALTER ROLE CURRENT_USER IN DATABASE ${name} RESET default_transaction_read_only`);
          await c.query('ALTER ROLE CURRENT_USER SET default_transaction_read_only = off');
        });
        await eventually(async () => events().some((l) => l.event === 'read_only_restored' && l.id === db.id));
        const write = await withClient(db.connection_string!, (c) => c.query('INSERT INTO blob VALUES (1)')).then(() => 'ok', (e: Error) => e.message);
        expect(write).toMatch(/read-only transaction/);

        // A session can still switch it off; past twice the limit (~8 + 6 + 14 MB now) the role loses its login until claimed.
        await withClient(db.connection_string!, async (c) => {
          await c.query('SET default_transaction_read_only = off');
          await c.query(fill(7000));
        }).catch(() => {}); // ended by the sweep once it is past the line
        await eventually(async () => events().some((l) => l.event === 'database_locked' && l.id === db.id));
        expect(await connectError(db.connection_string!)).toMatch(/not permitted to log in/);
        expect((await fetch(db.claim_url, { method: 'POST' })).status).toBe(200);
        expect(await withClient(db.connection_string!, (c) => c.query('INSERT INTO blob VALUES (1)')).then(() => 'ok')).toBe('ok');
      } finally {
        await limited.stop();
      }
    });

    test('connections: each role has its limit, and creates stop at --max-databases (503 saying so), not at a sum of connection limits', async () => {
      const live = await superQuery<{ n: number }>(target.adminUrl, `SELECT count(*)::int AS n FROM get_db_serve.databases WHERE state <> 'DELETING'`, [], 'get_db_serve');
      const room = 3;
      const capped = await spawnServe(serveArgs(['--connections-per-database', '2', '--max-databases', String(live[0]!.n + room)]));
      try {
        const db = await createDb(capped.apiUrl);
        const clients = [new pg.Client(pgConfigFromUrl(db.connection_string!)), new pg.Client(pgConfigFromUrl(db.connection_string!))];
        try {
          for (const c of clients) await c.connect();
          expect(await connectError(db.connection_string!)).toMatch(/too many connections for role/);
        } finally {
          for (const c of clients) await c.end().catch(() => {});
        }
        const answers = await Promise.all(Array.from({ length: room + 1 }, () => postJson(`${capped.apiUrl}/database`, { ref: 'cap' })));
        expect(answers.filter((a) => a.status === 201)).toHaveLength(room - 1);
        const refused = answers.filter((a) => a.status !== 201);
        expect(refused.map((a) => [a.status, a.body.reason])).toEqual([[503, 'max_databases'], [503, 'max_databases']]);
        expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(refused[0]!.body.error).toMatch(/maximum of \d+ databases/);
      } finally {
        await capped.stop();
      }
    });
  });

  test('a new database is closed to other roles from its first moment (CREATE DATABASE does not copy ACLs)', async () => {
    const neighbour = await createDb(serve.apiUrl);
    // Claimed, so this file's 4 s TTL cannot reap the neighbour while a loaded machine is slow.
    expect((await fetch(neighbour.claim_url, { method: 'POST' })).status).toBe(200);
    const attempt = async (database: string) => connectError(inDatabase(neighbour.connection_string!, database));
    const seen: Array<string | undefined> = [];
    await withClient(admin.url, async (client) => {
      await client.query(`SELECT 1 FROM pg_database WHERE datname = '${TEMPLATE}'`);
      const name = `gdb_window_${Date.now().toString(16)}`;
      // After every statement of a create, the neighbour tries to get in.
      const watched = { query: async (sql: string) => ((await client.query(sql)), seen.push(await attempt(name)), { rows: [] }) } as never;
      try {
        await createRoleAndDatabase(watched, name, 'x'.repeat(40), { connectionLimit: 2 });
      } finally {
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
        await client.query(`DROP ROLE IF EXISTS ${name}`);
      }
    });
    expect(seen).toHaveLength(5);
    for (const error of seen) expect(error).toMatch(/does not exist|not currently accepting connections|permission denied/);
  });
});
