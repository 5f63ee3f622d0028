import { describe, expect, test } from 'vitest';
import { seedDatabase } from '../src/seed/run.js';
import { freshDatabase, seedError, tableNames, writeSeedFiles } from './helpers/seed.js';

const numbered = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => `INSERT INTO t VALUES (${from + i}, 'row ${from + i}');\n`).join('');

describe('a failing seed leaves nothing behind and names file:line:col', () => {
  test('a statement with a server position (unknown column) in the middle of a batch', async () => {
    const [first, second] = writeSeedFiles({
      'a.sql': 'CREATE TABLE t (id int PRIMARY KEY, v text);\n' + numbered(20),
      'b.sql': `-- second file\n${numbered(5, 100)}UPDATE t\n   SET nope = 1;\n${numbered(5, 200)}`,
    });
    const db = await freshDatabase();
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [first!, second!] }));
    expect(error.code).toBe('SEED_FAILED');
    // "nope" is on line 8 (comment, 5 inserts, UPDATE t), column 8.
    expect(error.message).toMatch(/b\.sql:8:8: column "nope" of relation "t" does not exist\n {2}UPDATE t$/);
    expect(error.details).toMatchObject({ file: second, line: 8, column: 8, statement: 'UPDATE t', code: '42703' });
    expect(await tableNames(db)).toEqual([]);
  });

  test('a statement without a position (unique violation) is found by counting replies; detail is kept', async () => {
    const [file] = writeSeedFiles({
      'dup.sql': 'CREATE TABLE t (id int PRIMARY KEY, v text);\n' + numbered(30) + "  /* again */ INSERT INTO t VALUES (7, 'dup');\n" + numbered(3, 50),
    });
    const db = await freshDatabase();
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!] }));
    expect(error.details).toMatchObject({ line: 32, column: 15, code: '23505', detail: 'Key (id)=(7) already exists.' });
    expect(error.message).toContain("dup.sql:32:15: duplicate key value violates unique constraint");
    expect(error.hint).toContain('Key (id)=(7) already exists.');
    expect(await tableNames(db)).toEqual([]);
  });

  test('a file larger than the batch: the failure is located in a later batch, with multi-byte text before it', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `INSERT INTO t VALUES (${i}, 'héllo 😀 ${i}');\n`);
    rows[436] = "INSERT INTO t VALUES (436, 'ok'); SELECT 1/0;\n";
    const [file] = writeSeedFiles({ 'big.sql': 'CREATE TABLE t (id int PRIMARY KEY, v text);\n' + rows.join('') });
    const db = await freshDatabase();
    const limits = { maxChars: 1_000, maxStatements: 10 };
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!], batchLimits: limits }));
    expect(error.details).toMatchObject({ line: 438, column: 35, code: '22012' });
    expect(await tableNames(db)).toEqual([]);
    // The same file without the bad statement goes through in many batches.
    rows[436] = "INSERT INTO t VALUES (436, 'ok');\n";
    const [good] = writeSeedFiles({ 'big.sql': 'CREATE TABLE t (id int PRIMARY KEY, v text);\n' + rows.join('') });
    const summary = await seedDatabase({ connectionString: db.url, files: [good!], batchLimits: limits });
    expect(summary.statements).toBe(501);
    expect((await db.query('SELECT count(*)::int AS n FROM t'))[0]!.n).toBe(500);
  });

  test('server positions count characters, not UTF-16 units: astral characters before the error', async () => {
    const [file] = writeSeedFiles({ 'astral.sql': "CREATE TABLE t (v text);\nINSERT INTO t VALUES ('😀😀 𝄞');\nSELECT nope FROM t;\n" });
    const db = await freshDatabase();
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!] }));
    expect(error.details).toMatchObject({ line: 3, column: 8, code: '42703' });
  });

  test('bad COPY data names the line of the bad row', async () => {
    const [file] = writeSeedFiles({
      'copy.sql': 'CREATE TABLE t (id int, v text);\nCOPY t (id, v) FROM stdin;\n1\ta\n2\tb\nthree\tc\n\\.\n',
    });
    const db = await freshDatabase();
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!] }));
    expect(error.message).toMatch(/copy\.sql:5:1: invalid input syntax for type integer: "three"/);
    expect(await tableNames(db)).toEqual([]);
  });

  test('an incomplete last statement points at its end, and never runs into the next file', async () => {
    const [file, next] = writeSeedFiles({ 'eof.sql': 'CREATE TABLE t (id int);\nCREATE TABLE u (id int', 'next.sql': 'CREATE TABLE v (id int);\n' });
    const db = await freshDatabase();
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!, next!] }));
    expect(error.message).toMatch(/eof\.sql:2:23: syntax error/);
    expect(await tableNames(db)).toEqual([]);
    // "SELECT 1 AS" + "COMMIT;" would be valid SQL: the missing ; is added, so it fails.
    const [alias] = writeSeedFiles({ 'alias.sql': 'CREATE TABLE t (id int);\nSELECT 1 AS' });
    expect((await seedError(seedDatabase({ connectionString: db.url, files: [alias!] }))).message).toMatch(/alias\.sql:2:12: syntax error/);
    const [complete] = writeSeedFiles({ 'last.sql': 'CREATE TABLE t (id int);\nCREATE TABLE u (id int) -- no semicolon' });
    await seedDatabase({ connectionString: db.url, files: [complete!, next!] });
    expect(await tableNames(db)).toEqual(['t', 'u', 'v']);
  });

  test('a deferred constraint failing at COMMIT', async () => {
    const [file] = writeSeedFiles({
      'deferred.sql': `CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED);
INSERT INTO c VALUES (1);
`,
    });
    const db = await freshDatabase();
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!] }));
    expect(error.message).toMatch(/failed at COMMIT.*violates foreign key constraint/);
    expect(await tableNames(db)).toEqual([]);
  });
});

// With one transaction, seedDatabase (no create to come before) checks each file as it runs it,
// reading it once: a refusal rolls back what ran ("nothing of the seed was kept"); without one,
// the files are checked first ("nothing was run"). Either way nothing remains.
describe('refused, and nothing remains', () => {
  test('an unsupported meta-command names file:line:col; \\connect to the same database and \\restrict are fine', async () => {
    const db = await freshDatabase();
    const [ok, bad] = writeSeedFiles({
      // As pg_dump writes it: \\connect comes after \\unrestrict (psql runs no meta-command between them).
      'ok.sql': `\\restrict abc\nCREATE TABLE t (id int);\n\\unrestrict abc\n\\connect ${db.name}\n\\c -reuse-previous=on "dbname='${db.name}'"\n`,
      'bad.sql': "CREATE TABLE u (id int);\n\n\\copy u FROM 'u.csv'\n",
    });
    for (const transaction of [true, false]) {
      const error = await seedError(seedDatabase({ connectionString: db.url, files: [ok!, bad!], transaction }));
      expect(error.code).toBe('SEED_UNSUPPORTED');
      const remains = transaction ? 'nothing of the seed was kept' : 'nothing was run';
      expect(error.message).toBe(`${bad}:3:1: the psql meta-command \\copy cannot run in a seed; ${remains}.`);
      expect(error.hint).toMatch(/^\\copy reads a file on this computer: put the data in the file as COPY … FROM stdin;/);
      expect(await tableNames(db)).toEqual([]);
    }
    await seedDatabase({ connectionString: db.url, files: [ok!] });
    expect(await tableNames(db)).toEqual(['t']);
  });

  test('\\connect to another database', async () => {
    const db = await freshDatabase();
    const [file] = writeSeedFiles({ 'other.sql': 'CREATE TABLE t (id int);\n\\connect shop\n' });
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!] }));
    expect(error.message).toMatch(/other\.sql:2:1: \\connect shop switches to another database/);
  });

  test('a statement that refuses transactions: clear message, and it runs with transaction: false', async () => {
    const db = await freshDatabase();
    const [file] = writeSeedFiles({
      'concurrently.sql': 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n\n  CREATE INDEX CONCURRENTLY t_id ON t (id);\nVACUUM t;\nINSERT INTO t VALUES (2);\n',
    });
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [file!] }));
    expect(error.code).toBe('SEED_UNSUPPORTED');
    expect(error.message).toMatch(/concurrently\.sql:4:3: CREATE INDEX CONCURRENTLY cannot run inside a transaction/);
    expect(error.hint).toMatch(/--no-transaction/);
    expect(await tableNames(db)).toEqual([]);
    const summary = await seedDatabase({ connectionString: db.url, files: [file!], transaction: false });
    expect(summary.statements).toBe(5);
    expect(await db.query('SELECT indisvalid FROM pg_index WHERE indexrelid = \'t_id\'::regclass')).toEqual([{ indisvalid: true }]);
  });

  test('one outer BEGIN … COMMIT is the seed\'s own transaction; several are refused with one next step, and run with transaction: false', async () => {
    const db = await freshDatabase();
    const [own, several] = writeSeedFiles({
      'own.sql': '-- Django sqlmigrate\nBEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n',
      'several.sql': 'BEGIN;\nCREATE TABLE u (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE v (id int);\nCOMMIT;\n',
    });
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [own!, several!] }));
    expect(error.message).toMatch(/several\.sql:4:1: the file manages several transactions \(BEGIN;\), and the seed runs as one transaction; nothing of the seed was kept\.$/);
    expect(error.hint).toMatch(/^Keep one BEGIN at the top and one COMMIT at the end .*, or run the seed with --no-transaction/);
    expect(error.hint).not.toMatch(/or: /);
    expect(await tableNames(db)).toEqual([]);
    await seedDatabase({ connectionString: db.url, files: [own!] });
    expect(await tableNames(db)).toEqual(['t']);
    await seedDatabase({ connectionString: db.url, files: [several!], transaction: false });
    expect(await tableNames(db)).toEqual(['t', 'u', 'v']);
  });

  test('a missing file, or a folder with no .sql in it', async () => {
    const db = await freshDatabase();
    const [dir] = writeSeedFiles({ 'x.py': '' }).map((path) => path.replace(/x\.py$/, ''));
    for (const [path, said] of [[`${dir}missing.sql`, /missing\.sql does not exist/], [dir!, /has no \.sql files to run/]] as const) {
      const error = await seedError(seedDatabase({ connectionString: db.url, files: [path] }));
      expect(error.code).toBe('SEED_FILE_UNREADABLE');
      expect(error.message).toMatch(said);
    }
  });
});

describe('connecting', () => {
  test('a wrong password is a clear error', async () => {
    const db = await freshDatabase();
    const [file] = writeSeedFiles({ 'a.sql': 'SELECT 1;' });
    const url = db.url.replace(encodeURIComponent(db.password), 'wrong');
    const error = await seedError(seedDatabase({ connectionString: url, files: [file!] }));
    expect(error.code).toBe('SEED_FAILED');
    expect(error.message).toMatch(/Could not connect to the database at ep-.*-pooler\..*: password authentication failed/);
    expect(error.hint).toMatch(/user name and password/);
  });

  test('cancelling while the server runs the last statement commits nothing, even when the statement cannot be cancelled there', async () => {
    const db = await freshDatabase();
    // One session for the role: the second session that would cancel the statement is refused,
    // so only the order of things keeps COMMIT from running once pg_sleep ends.
    await db.query(`ALTER ROLE ${db.name} CONNECTION LIMIT 1`);
    const [file] = writeSeedFiles({ 'slow.sql': 'CREATE TABLE t (id int);\nSELECT pg_sleep(1.5);\n' });
    const controller = new AbortController();
    const running = seedError(seedDatabase({ connectionString: db.url, files: [file!], signal: controller.signal }));
    const sleeping = async () => (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = '${db.name}' AND query LIKE '%pg_sleep%'`))[0]!.n as number;
    while ((await sleeping()) === 0) await new Promise((resolve) => setTimeout(resolve, 25));
    controller.abort();
    expect((await running).code).toBe('CANCELLED');
    while ((await sleeping()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await tableNames(db)).toEqual([]);
  });

  test('cancelling mid-seed rolls back and throws CANCELLED', async () => {
    const db = await freshDatabase();
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i}\tsome text for row ${i}\n`).join('');
    const [file] = writeSeedFiles({ 'big.sql': `CREATE TABLE t (id int, v text);\nCOPY t FROM stdin;\n${rows}\\.\n` });
    const controller = new AbortController();
    const error = await seedError(seedDatabase({
      connectionString: db.url,
      files: [file!],
      signal: controller.signal,
      onProgress: (p) => p.bytes > 0 && controller.abort(),
    }));
    expect(error.code).toBe('CANCELLED');
    expect(await tableNames(db)).toEqual([]);
  });
});
