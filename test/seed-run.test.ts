import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { seedDatabase } from '../src/seed/run.js';
import { freshDatabase, tableNames, writeSeedFiles, type TestDatabase } from './helpers/seed.js';


const FIXTURES = resolve(import.meta.dirname, '../fixtures/seed');
const SHOP_SCHEMA = resolve(FIXTURES, 'shop-schema.sql');
const PG_DUMP_SAMPLE = resolve(FIXTURES, 'pg_dump-sample.sql');

async function shopContents(db: TestDatabase) {
  return {
    customers: await db.query('SELECT id, email, name, note, tags, profile, created_at FROM customers ORDER BY id'),
    orders: await db.query('SELECT id, customer_id, status::text, total::text, encode(payload, \'hex\') AS payload FROM orders ORDER BY id'),
    totals: await db.query('SELECT count(*)::int AS n, sum(total)::text AS sum FROM customer_totals'),
    orderCount: await db.query('SELECT order_count(1)::int AS n'),
    nextCustomer: await db.query("SELECT nextval('customers_id_seq')::int AS n"),
  };
}

describe('seedDatabase over TLS + SCRAM channel binding (Neon-shaped URL)', () => {
  test('a hand-written schema: types, functions with dollar quotes, comments, escapes, unicode', async () => {
    const db = await freshDatabase();
    const progress: number[] = [];
    const summary = await seedDatabase({ connectionString: db.url, files: [SHOP_SCHEMA], onProgress: (p) => progress.push(p.bytes) });
    expect(summary).toMatchObject({ files: 1, rowsCopied: 0, statements: 10 });
    expect(await tableNames(db)).toEqual(expect.arrayContaining(['customers', 'orders', 'customer_totals', 'orders_customer_idx']));
    const [bob] = await db.query("SELECT name FROM customers WHERE email = 'bob@example.com'");
    expect(bob!.name).toBe('Bøb Ünïcødé 😀');
    expect((await db.query('SELECT order_count(1)::int AS n'))[0]!.n).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(readFileSync(SHOP_SCHEMA).length);
  });

  test('a real pg_dump plain script with COPY blocks gives back the dumped database', async () => {
    const source = await freshDatabase();
    await seedDatabase({ connectionString: source.url, files: [SHOP_SCHEMA] });
    const dump = await liveDumpOf(source) ?? PG_DUMP_SAMPLE;
    const copy = await freshDatabase();
    const summary = await seedDatabase({ connectionString: copy.url, files: [dump] });
    expect(summary.rowsCopied).toBe(203 + 500);
    expect(await shopContents(copy)).toEqual(await shopContents(source));
  });

  test('a file over the size kept from the pre-scan is read again as a stream, with the same result', async () => {
    const source = await freshDatabase();
    await seedDatabase({ connectionString: source.url, files: [SHOP_SCHEMA] });
    const copy = await freshDatabase();
    const summary = await seedDatabase({ connectionString: copy.url, files: [SHOP_SCHEMA], keepSplitBytes: 0 });
    expect(summary).toMatchObject({ files: 1, statements: 10 });
    expect(await shopContents(copy)).toEqual(await shopContents(source));
    const dumped = await freshDatabase();
    expect((await seedDatabase({ connectionString: dumped.url, files: [PG_DUMP_SAMPLE], keepSplitBytes: 0 })).rowsCopied).toBe(703);
  });

  test('.sql.gz is read through gunzip', async () => {
    const [gz] = writeSeedFiles({ 'dump.sql.gz': gzipSync(readFileSync(PG_DUMP_SAMPLE)) });
    const db = await freshDatabase();
    const summary = await seedDatabase({ connectionString: db.url, files: [gz!] });
    expect(summary.rowsCopied).toBe(703);
    expect((await db.query('SELECT count(*)::int AS n FROM orders'))[0]!.n).toBe(500);
  });

  test('several files run in order, in one transaction', async () => {
    const files = writeSeedFiles({
      '1-schema.sql': 'CREATE TABLE t (id int PRIMARY KEY, v text);\n',
      '2-data.sql': "INSERT INTO t VALUES (1, 'one');\nCOPY t (id, v) FROM stdin;\n2\ttwo\n3\tthree\n\\.\n",
      '3-more.sql': "UPDATE t SET v = upper(v) WHERE id = 1;\n",
    });
    const db = await freshDatabase();
    const summary = await seedDatabase({ connectionString: db.url, files });
    expect(summary).toMatchObject({ files: 3, statements: 4, rowsCopied: 2 });
    expect(await db.query('SELECT id, v FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'ONE' }, { id: 2, v: 'two' }, { id: 3, v: 'three' },
    ]);
  });

  test('a file of COPY blocks only, into an existing table: still one transaction', async () => {
    const db = await freshDatabase();
    await db.query(`CREATE TABLE t (id int PRIMARY KEY); GRANT ALL ON t TO ${db.name}`);
    const [good, bad] = writeSeedFiles({
      'good.sql': 'COPY t FROM stdin;\n1\n2\n\\.\n',
      'bad.sql': 'COPY t FROM stdin;\n3\n\\.\nCOPY t FROM stdin;\n1\n\\.\n',
    });
    expect(await seedDatabase({ connectionString: db.url, files: [good!] })).toMatchObject({ statements: 1, rowsCopied: 2 });
    await expect(seedDatabase({ connectionString: db.url, files: [bad!] })).rejects.toThrow(/bad\.sql:5:1: duplicate key/);
    expect(await db.query('SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

/** pg_dump of `db` when a pg_dump that can dump this server is on PATH (the local one may be older). */
async function liveDumpOf(db: TestDatabase): Promise<string | undefined> {
  const [path] = writeSeedFiles({ 'live-dump.sql': '' });
  const url = new URL(db.url);
  try {
    await promisify(execFile)('pg_dump', ['--no-owner', '--no-privileges', '-f', path!, '-d', db.name, '-h', '127.0.0.1', '-p', url.port, '-U', db.name], {
      env: { ...process.env, PGPASSWORD: db.password, PGSSLMODE: 'require' },
    });
    return path;
  } catch (error) {
    // ENOENT (no pg_dump) or "server version mismatch": the committed fixture stands in.
    expect(String((error as Error).message)).toMatch(/ENOENT|version mismatch/);
    return undefined;
  }
}
