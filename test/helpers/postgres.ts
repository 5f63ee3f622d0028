/**
 * A real PostgreSQL for tests, started by the test run itself from npm-shipped
 * binaries (the same starter `get-db serve --embedded` uses): TLS on with a test CA,
 * SCRAM-SHA-256 passwords checked for every TCP connection, as on Neon.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { pgConfigFromUrl } from '../../src/seed/pg-config.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/serve/postgres/embedded.js';

export { freePort } from '../../src/serve/postgres/embedded.js';

export const TLS_DIR = resolve(import.meta.dirname, '../../fixtures/tls');
export const TEST_CA = join(TLS_DIR, 'ca.crt');
export const FAKE_DNS = resolve(import.meta.dirname, 'fake-dns.mjs');

/** The run's shared server: many test files use it at once, so it has room for their sessions. */
export function startTestPostgres(): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({
    maxConnections: 1500,
    tls: { certFile: join(TLS_DIR, 'server.crt'), keyFile: join(TLS_DIR, 'server.key') },
  });
}

/**
 * The Neon shape of a URL to `database` as `user`: pooler host, sslmode and channel_binding.
 * `directOnly`: the pooler host does not resolve (fake-dns.mjs), so only the direct URL
 * (`-pooler` removed) reaches the server — for tests that prove a seed uses the direct URL.
 */
export function neonShapedUrl(opts: { user: string; password: string; database: string; port: number; directOnly?: boolean }): string {
  const user = encodeURIComponent(opts.user);
  const password = encodeURIComponent(opts.password);
  const endpoint = opts.directOnly ? DIRECT_ONLY_ENDPOINT : 'ep-quiet-field-a1b2c3d4';
  return `postgresql://${user}:${password}@${endpoint}-pooler.c-2.us-east-2.aws.neon.test:${opts.port}/${encodeURIComponent(opts.database)}?sslmode=require&channel_binding=require`;
}

/** fake-dns.mjs answers ENOTFOUND for this endpoint's pooler host. */
export const DIRECT_ONLY_ENDPOINT = 'ep-direct-only-a1b2c3d4';

/**
 * A new role with a password full of URL-hostile characters, owning a new database, on the
 * test PostgreSQL — what an Instagres create gives a user.
 */
export async function createOwnedDatabase(opts: { adminUrl: string; port: number; prefix: string; directOnly?: boolean }): Promise<{ name: string; password: string; url: string }> {
  const name = `${opts.prefix}_${randomBytes(5).toString('hex')}`;
  const password = `p@ss:${randomBytes(6).toString('hex')}/?#`;
  const client = new pg.Client(pgConfigFromUrl(opts.adminUrl));
  await client.connect();
  try {
    await client.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
    await client.query(`CREATE DATABASE ${name} OWNER ${name}`);
  } finally {
    await client.end();
  }
  return { name, password, url: neonShapedUrl({ user: name, password, database: name, port: opts.port, directOnly: opts.directOnly }) };
}

/** Rows in `table`, read through `url` as the app would (what a seed left behind). */
export async function countRows(url: string, table: string): Promise<number> {
  const client = new pg.Client(pgConfigFromUrl(url));
  await client.connect();
  try {
    return (await client.query(`select count(*)::int as n from ${table}`)).rows[0].n;
  } finally {
    await client.end();
  }
}
