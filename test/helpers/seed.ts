/** Seed tests: a fresh role + database on the test PostgreSQL, reached through a Neon-shaped URL. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { expectCode } from './expect-error.js';
import { pgConfigFromUrl } from '../../src/seed/pg-config.js';
import { createOwnedDatabase } from './postgres.js';

export interface TestDatabase {
  name: string;
  password: string;
  /** Neon-shaped: pooler host name, sslmode=require, channel_binding=require. */
  url: string;
  /** Runs SQL as the superuser in this database. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string): Promise<T[]>;
}

export async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  client.on('error', () => {}); // a session the server ends (drop, read-only) fails its next query instead
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(): Promise<TestDatabase> {
  const { adminUrl, port } = inject('postgres');
  const admin = pgConfigFromUrl(adminUrl);
  const { name, password, url } = await createOwnedDatabase({ adminUrl, port, prefix: 'seed' });
  return {
    name,
    password,
    url,
    query: async (sql) => withClient({ ...admin, database: name }, async (client) => (await client.query(sql)).rows),
  };
}

export async function tableNames(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ relname: string }>(
    "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind IN ('r','v','S','i') ORDER BY 1",
  );
  return rows.map((row) => row.relname);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'get-db-seed-test-'));
}

/** Writes `files` (name → text) into a fresh temporary folder; returns their paths in order. */
export function writeSeedFiles(files: Record<string, string | Buffer>): string[] {
  const dir = tempDir();
  return Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

/** The GetDbError a promise rejects with (fails the test if it resolves). */
export const seedError = (promise: Promise<unknown>) => expectCode(promise);
