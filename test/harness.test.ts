import { inject, expect, test } from 'vitest';
import pg from 'pg';
import { neonShapedUrl } from './helpers/postgres.js';

test('the test PostgreSQL speaks TLS with SCRAM channel binding through a Neon-shaped host', async () => {
  const { adminUrl, port } = inject('postgres');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS harness_user`);
  await admin.query(`CREATE ROLE harness_user LOGIN PASSWORD 'p@ss:w/rd?'`);
  await admin.end();
  const url = new URL(neonShapedUrl({ user: 'harness_user', password: 'p@ss:w/rd?', database: 'postgres', port }));
  const client = new pg.Client({
    host: url.hostname, port, user: 'harness_user', password: 'p@ss:w/rd?', database: 'postgres',
    ssl: { rejectUnauthorized: true }, enableChannelBinding: true,
  } as pg.ClientConfig);
  await client.connect();
  const { rows } = await client.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
  expect(rows[0].ssl).toBe(true);
  await client.end();
  const wrong = new pg.Client({ host: url.hostname, port, user: 'harness_user', password: 'nope', database: 'postgres', ssl: { rejectUnauthorized: true } });
  await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
});
