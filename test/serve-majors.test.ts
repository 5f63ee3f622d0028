/**
 * The README promises serve on PostgreSQL 14 through 18 with a non-superuser admin (CREATEDB
 * CREATEROLE), as managed services give. 14 and 18 have files of their own (serve-pg14, the
 * hostile suite); this walks the majors between them through the whole cycle — the start-time
 * check and its fix, create, connect, storage limit, claim, reap, a restart — on each major's
 * own embedded PostgreSQL (installed on first use).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { connectError, createDb, eventually, getJson, withClient } from './helpers/serve-http.js';
import { embeddedPostgresOf, managedAdmin, roleOrDatabaseExists, superQuery } from './helpers/serve-admin.js';

describe.each([15, 16, 17] as const)('PostgreSQL %i, admin with CREATEDB CREATEROLE only', (major) => {
  let server: EmbeddedPostgres | undefined;
  let admin: { name: string; url: string };
  const serveArgs = () => ['--postgres-url', admin.url, '--rate-limit', 'off', '--storage-limit', '12MB', '--ttl', '3s', '--sweep-interval', '300ms'];
  const gone = async (name: string) => !(await roleOrDatabaseExists(server!.adminUrl, name));

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ packageName: embeddedPostgresOf(major) });
    admin = await managedAdmin(server.adminUrl);
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('the start-time check, then create, connect, storage limit, claim, reap and a restart', async () => {
    expect((await superQuery<{ v: string }>(server!.adminUrl, "SELECT current_setting('server_version') AS v"))[0]!.v).toMatch(new RegExp(`^${major}\\.`));
    // A group someone else made: from 16 on, CREATEROLE may grant only roles held WITH ADMIN OPTION.
    await superQuery(server!.adminUrl, 'CREATE ROLE get_db_serve_users NOLOGIN');
    const refused = await spawnServe(serveArgs()).then(
      async (s) => (await s.stop(), 'started'),
      (error: Error) => error.message,
    );
    if (major >= 16) expect(refused).toMatch(/permission denied to grant role.*\n.*Fix: GRANT get_db_serve_users TO "adm_\w+" WITH ADMIN OPTION/);
    else expect(refused).toBe('started');
    await superQuery(server!.adminUrl, `GRANT get_db_serve_users TO ${admin.name} WITH ADMIN OPTION`);

    let serve: ServeProcess = await spawnServe(serveArgs());
    try {
      const [kept, expiring] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl)]);
      expect(await connectError(kept.connection_string!)).toBeUndefined();
      await withClient(kept.connection_string!, async (c) => {
        await c.query('CREATE TABLE blob (data text); ALTER TABLE blob ALTER COLUMN data SET STORAGE EXTERNAL');
        await c.query(`INSERT INTO blob SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 64), generate_series(1, 3000) g GROUP BY g`);
      }).catch(() => {}); // the sweep may end this very session once the files pass the limit
      await eventually(async () => serve.logs().some((l) => l.event === 'database_read_only' && l.id === kept.id));
      expect((await fetch(kept.claim_url, { method: 'POST' })).status).toBe(200);
      await eventually(async () => gone(new URL(expiring.connection_string!).pathname.slice(1)));

      await serve.stop();
      serve = await spawnServe(serveArgs());
      expect((await getJson(`${serve.apiUrl}/database/${kept.id}`)).body.status).toBe('CLAIMED');
      // Claimed lifts the limit: the owner writes again.
      const write = () => withClient(kept.connection_string!, (c) => c.query('INSERT INTO blob VALUES (1)')).then(() => 'ok', (e: Error) => e.message);
      await eventually(async () => (await write()) === 'ok');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
