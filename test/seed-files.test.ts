/**
 * Seed files as people have them, other than pg_dump's (test/seed-dumps.test.ts): text from
 * Windows and old databases, migration folders as Prisma, Drizzle, Flyway, Django and numbered
 * migrations lay them out, psql's meta-commands — each applied, or refused before a create.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { seedDatabase } from '../src/seed/run.js';
import { createWith, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { startPty } from './helpers/pty.js';
import { freshDatabase, seedError, tableNames, tempDir } from './helpers/seed.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({ postgres: inject('postgres') });
});
afterAll(() => api.close());

/** Writes `files` (relative path → content) under `root` (a fresh folder by default); returns it. */
function writeTree(files: Record<string, string | Buffer>, root = tempDir()): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const NAMES_SQL = "CREATE TABLE names (id int, name text);\nINSERT INTO names VALUES (1, 'Zoë'), (2, '€ 5'), (3, '渡辺 😀');\n";
const NAMES = [{ name: 'Zoë' }, { name: '€ 5' }, { name: '渡辺 😀' }];

function utf32(text: string, littleEndian: boolean): Buffer {
  const codePoints = [0xfeff, ...[...text].map((char) => char.codePointAt(0)!)];
  const out = Buffer.alloc(codePoints.length * 4);
  codePoints.forEach((cp, i) => (littleEndian ? out.writeUInt32LE(cp, i * 4) : out.writeUInt32BE(cp, i * 4)));
  return out;
}

describe('text encodings: by the byte-order mark, else by the dump\'s own SET client_encoding', () => {
  const twoNames = NAMES_SQL.replace(", (3, '渡辺 😀')", '');
  // LATIN9 has € at 0xA4, where Latin-1 has ¤; WIN1252 has it at 0x80.
  const latin9 = Buffer.from(`SET client_encoding = 'LATIN9';\n${twoNames}`.replace('€', '\u00a4'), 'latin1');
  const win1252 = Buffer.from(`\\encoding WIN1252\n${twoNames}`.replace('€', '\u0080'), 'latin1');
  test.each([
    ['UTF-16BE with a BOM', Buffer.from(`\uFEFF${NAMES_SQL}`, 'utf16le').swap16(), NAMES],
    ['UTF-32LE with a BOM', utf32(NAMES_SQL, true), NAMES],
    ['UTF-8 with a BOM', Buffer.from(`\uFEFF${NAMES_SQL}`), NAMES],
    ['LATIN9 declared by SET client_encoding, as pg_dump writes it', latin9, NAMES.slice(0, 2)],
    ['WIN1252 declared by \\encoding', win1252, NAMES.slice(0, 2)],
  ])('%s', async (_name, bytes, rows) => {
    const db = await freshDatabase();
    await seedDatabase({ connectionString: db.url, files: [join(writeTree({ 'names.sql': bytes }), 'names.sql')] });
    expect(await db.query('SELECT name FROM names ORDER BY id')).toEqual(rows);
  });

  test.each([
    ['Latin-1 bytes with no declaration', Buffer.from("CREATE TABLE t (v text);\n\nINSERT INTO t VALUES ('Zoë');\n", 'latin1'), /t\.sql:3: the file is not valid UTF-8 on this line; nothing of the seed was kept\./, /SET client_encoding = 'WIN1252';/],
    ['UTF-16 without a byte-order mark', Buffer.from(NAMES_SQL, 'utf16le'), /Seed file .*t\.sql looks like UTF-16 text without a byte-order mark\./, /Save it as UTF-8/],
    ['a zip archive', Buffer.from('PK\u0003\u0004 rest of a zip', 'latin1'), /looks like a zip archive/, /Unzip it/],
    ['an encoding switch halfway', Buffer.from(`${'-- padding\n'.repeat(7000)}SET client_encoding = 'LATIN1';\nSELECT 1;\n`), /t\.sql:7001:1: the file switches client_encoding from UTF8 to LATIN1 partway/, /put the SET client_encoding line at the top/],
  ])('%s is refused (nothing remains), with what to do', async (_name, bytes, message, hint) => {
    const db = await freshDatabase();
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [join(writeTree({ 't.sql': bytes }), 't.sql')] }));
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
    expect(await tableNames(db)).toEqual([]);
  });
});

const MIGRATIONS = {
  prisma: {
    'migrations/20240101000000_init/migration.sql': '-- CreateTable\nCREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n',
    'migrations/20240215093000_posts/migration.sql': '-- CreateTable\nCREATE TABLE "Post" ("id" SERIAL NOT NULL, "authorId" INTEGER NOT NULL REFERENCES "User"("id"));\n',
    'migrations/migration_lock.toml': 'provider = "postgresql"\n',
  },
  drizzle: {
    '0000_tricky_sersi.sql': 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL);\n',
    '0001_brave_wolf.sql': 'ALTER TABLE "posts" ADD COLUMN "author_id" integer REFERENCES "users"("id");\n',
    'meta/_journal.json': '{"version":"7","dialect":"postgresql","entries":[]}\n',
    'meta/0000_snapshot.json': '{}\n',
  },
  flyway: {
    'V1__init.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\n',
    'V1.1__add_name.sql': 'ALTER TABLE accounts ADD COLUMN name text;\n',
    'V2__orders.sql': 'CREATE TABLE orders (id int, account_id int REFERENCES accounts(id));\n',
    'V10__index.sql': 'CREATE INDEX orders_account ON orders (account_id);\n',
    'R__views.sql': 'CREATE OR REPLACE VIEW named AS SELECT name FROM accounts;\n',
    'U2__orders.sql': 'DROP TABLE orders;\n',
  },
  numbered: {
    '1_init.up.sql': 'CREATE TABLE a (id int PRIMARY KEY);\n',
    '1_init.down.sql': 'DROP TABLE a;\n',
    '2_b.up.sql': 'CREATE TABLE b (a_id int REFERENCES a(id));\n',
    '10_c.up.sql': 'CREATE TABLE c (b int);\nDROP TABLE b;\n',
    '10_c.down.sql': 'DROP TABLE c;\n',
  },
  django: {
    // python manage.py sqlmigrate polls 0001 > 0001_initial.sql: one BEGIN … COMMIT each.
    '0001_initial.sql': 'BEGIN;\n--\n-- Create model Question\n--\nCREATE TABLE "polls_question" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "question_text" varchar(200) NOT NULL);\nCOMMIT;\n',
    '0002_choice.sql': 'BEGIN;\n--\n-- Create model Choice\n--\nCREATE TABLE "polls_choice" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "question_id" bigint NOT NULL REFERENCES "polls_question" ("id") DEFERRABLE INITIALLY DEFERRED);\nCOMMIT;\n',
  },
};

describe('a folder of migrations runs in the order its tool runs them', () => {
  test.each([
    ['prisma', 'migrations', ['Post', 'User', 'User_pkey', 'Post_id_seq', 'User_id_seq']],
    ['drizzle', '.', ['posts', 'posts_pkey', 'users', 'users_pkey', 'posts_id_seq', 'users_id_seq']],
    ['flyway', '.', ['accounts', 'accounts_pkey', 'named', 'orders', 'orders_account']],
    ['numbered', '.', ['a', 'a_pkey', 'c']],
    ['django', '.', ['polls_choice', 'polls_choice_id_seq', 'polls_choice_pkey', 'polls_question', 'polls_question_id_seq', 'polls_question_pkey']],
  ] as const)('%s', async (tool, folder, tables) => {
    const db = await freshDatabase();
    const root = writeTree(MIGRATIONS[tool]);
    const summary = await seedDatabase({ connectionString: db.url, files: [join(root, folder)] });
    expect(summary.files).toBe(Object.keys(MIGRATIONS[tool]).filter((name) => /\.sql$/.test(name) && !/(down|^U\d)/.test(name)).length);
    expect((await tableNames(db)).sort()).toEqual([...tables].sort());
  });

  test('the CLI prints the order it used, skipped files named; several --seed paths run in the order given', async () => {
    const cwd = await tempProject();
    writeTree({ ...MIGRATIONS.flyway, 'seed/data.sql': "INSERT INTO accounts VALUES (1, 'one');\n" }, cwd);
    const result = await createWith(api, cwd, ['--seed', '.', 'seed/data.sql']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain([
      'Seeding .: 5 files in this order, by Flyway version:',
      '  1. V1__init.sql', '  2. V1.1__add_name.sql', '  3. V2__orders.sql', '  4. V10__index.sql', '  5. R__views.sql',
      '  skipped: U2__orders.sql (a Flyway undo migration)',
      '  skipped: seed/data.sql (not a Flyway V…__ or R__ migration)',
    ].join('\n'));
    expect(result.stderr).toMatch(/Seeded +6 statements/);
  });
});

describe("psql's meta-commands", () => {
  test('\\set and :name, :\'name\', :"name"; \\i (current folder) and \\ir (the file\'s folder); the harmless ones pass', async () => {
    const cwd = await tempProject();
    writeTree({
      'seed/main.sql': [
        '\\set ON_ERROR_STOP on', '\\timing on', '\\pset pager off', '\\echo seeding…', '\\encoding UTF8',
        '\\set table people', "\\set who 'O''Brien'", '\\set kind \'user; DROP TABLE x\'',
        '\\ir parts/schema.sql',
        "INSERT INTO :\"table\" (name, kind, note) VALUES (:'who', :'kind', ':table stays, -- :who too'); -- :table in a comment",
        '\\i seed/parts/more.sql',
        'SELECT 1::int AS :table;',
        '',
      ].join('\n'),
      'seed/parts/schema.sql': 'CREATE TABLE :table (name text, kind text, note text);\n',
      'seed/parts/more.sql': "INSERT INTO :table VALUES ($$:who$$, 'admin', NULL);\n",
    }, cwd);
    const result = await createWith(api, cwd, ['--seed', 'seed/main.sql', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { databaseUrlDirect } = JSON.parse(result.stdout);
    const db = { url: databaseUrlDirect as string };
    const { withClient } = await import('./helpers/seed.js');
    const { pgConfigFromUrl } = await import('../src/seed/pg-config.js');
    const rows = await withClient(pgConfigFromUrl(db.url), async (client) => (await client.query('SELECT name, kind, note FROM people ORDER BY name')).rows);
    expect(rows).toEqual([
      { name: ':who', kind: 'admin', note: null },
      { name: "O'Brien", kind: 'user; DROP TABLE x', note: ':table stays, -- :who too' },
    ]);
  });

  test.each([
    ['\\gexec', "SELECT format('CREATE TABLE t%s (id int)', g) FROM generate_series(1, 3) g\n\\gexec\n", /gexec\.sql:2:1: the psql meta-command \\gexec cannot run in a seed; nothing was run\./, /write them out first/],
    ['\\if', 'CREATE TABLE t (id int);\n\\if :has_data\nINSERT INTO t VALUES (1);\n\\endif\n', /if\.sql:2:1: the psql meta-command \\if cannot run in a seed/, /remove the \\if … \\endif lines/],
    ['\\set ON_ERROR_STOP off', '\\set ON_ERROR_STOP off\nCREATE TABLE t (id int);\n', /off\.sql:1:1: the psql meta-command \\set ON_ERROR_STOP off cannot run/, /always stops at the first error/],
    ['a line pg_dump fenced off', '\\restrict k1\nCREATE TABLE t (v text);\n\\! rm -rf /\n\\unrestrict k1\n', /fenced\.sql:3:1: the psql meta-command \\! cannot run/, /between \\restrict and \\unrestrict/],
    ['nested BEGIN', 'BEGIN;\nCREATE TABLE t (id int);\nBEGIN;\nCOMMIT;\nCOMMIT;\n', /nested\.sql:3:1: the file opens a transaction inside its transaction \(BEGIN;\)/, /PostgreSQL has no nested transactions/],
  ])('%s is refused before the create, with file:line and one next step', async (what, sql, message, hint) => {
    const cwd = await tempProject();
    const name = `${what.includes('BEGIN') ? 'nested' : what.includes('fenced') ? 'fenced' : what.includes('off') ? 'off' : what.slice(1)}.sql`;
    writeTree({ [name]: sql }, cwd);
    const before = api.createRequests().length;
    const result = await createWith(api, cwd, ['--seed', name, '--json']);
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stdout);
    expect(error.code).toBe('SEED_UNSUPPORTED');
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
    expect(error.hint).toMatch(/No database was created\.$/);
    expect(error.hint).not.toMatch(/, or: /);
    expect(api.createRequests().length).toBe(before);
  });
});

test('with -y at a terminal, a long seed shows its progress', async () => {
  const cwd = await tempProject();
  const rows = Array.from({ length: 20_000 }, (_, i) => `${i}\trow ${i}\n`).join('');
  writeTree({ 'slow.sql': `CREATE TABLE t (id int, v text);\nSELECT pg_sleep(1.2);\nCOPY t FROM stdin;\n${rows}\\.\n` }, cwd);
  const pty = startPty(['-y', '--api-url', api.apiUrl, '--seed', 'slow.sql'], { cwd });
  await pty.waitFor(/Seeding: [\d.]+ \w?B of [\d.]+ \w?B \(\d+%\), \d+ statements?/, 30_000);
  expect(await pty.exit).toBe(0);
  expect(pty.screen()).toMatch(/Seeded +3 statements, 20,000 rows copied/);
});
