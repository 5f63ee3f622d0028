/**
 * Dumps as most people make them (pg_dump without --no-owner, from a database owned by the
 * superuser with grants to a role the new database lacks), in every form pg_dump writes, made
 * by the real pg_dump during the run: each gives back the dumped database through the library
 * and the CLI, or is refused before a create.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { seedDatabase } from '../src/seed/run.js';
import { createWith, runCli, tempProject } from './helpers/cli.js';
import { CONTENT_SQL, makeDumps, pgDumpStream, type Dumps } from './helpers/dumps.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { freshDatabase, seedError, type TestDatabase } from './helpers/seed.js';
import { superQuery } from './helpers/serve-admin.js';

let dumps: Dumps;
let api: FakeApi;
beforeAll(async () => {
  [dumps, api] = await Promise.all([makeDumps(), startFakeApi({ postgres: inject('postgres') })]);
}, 180_000);
afterAll(async () => {
  await Promise.all([dumps?.source.stop(), api?.close()]);
});

async function contentOf(db: TestDatabase) {
  return (await db.query(CONTENT_SQL))[0];
}

/** Everything the dump made is the seeding role's: it is the database's one role. */
async function owners(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ owner: string }>(
    "SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' " +
      "UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'shop' UNION SELECT pg_get_userbyid(lomowner) FROM pg_largeobject_metadata",
  );
  return rows.map((row) => row.owner);
}

const SKIPPED = /^Skipped 14 statements that need roles this database does not have \(or a superuser\), as pg_restore --no-owner --no-privileges would: \d+× ALTER … OWNER TO postgres, 4× GRANT naming app_reader, 1× ALTER DEFAULT PRIVILEGES naming app_reader, postgres\. The new database has one role, \w+/;

describe('every form pg_dump writes, through the library', () => {
  test.each(['plain', 'custom', 'tar', 'directory', 'gzip', 'utf16'] as const)('%s: the same data, owned by the seeding role; owners and grants skipped in one warning', async (form) => {
    const db = await freshDatabase();
    const summary = await seedDatabase({ connectionString: db.url, files: [dumps.files[form]] });
    expect(await contentOf(db)).toEqual({ ...dumps.content, next_id: 501 });
    expect(await owners(db)).toEqual([db.name]);
    expect(summary.skipped).toBe(14);
    expect(summary.warnings).toEqual([expect.stringMatching(SKIPPED)]);
    // The grants to a role the database has are kept: none here but PUBLIC's defaults.
    expect(await db.query("SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE grantee = 'app_reader'")).toEqual([{ n: 0 }]);
  });

  test('pg_dump --create --clean: DROP/CREATE DATABASE and \\connect skipped with a note, its database settings applied here', async () => {
    const db = await freshDatabase();
    const summary = await seedDatabase({ connectionString: db.url, files: [dumps.files.create] });
    expect(await contentOf(db)).toEqual({ ...dumps.content, next_id: 501 });
    expect(summary.warnings[0]).toBe(`The dump was made with pg_dump --create: its CREATE DATABASE shopdb and \\connect shopdb were skipped, and the dump, its database settings included, went into this database (${db.name}).`);
    expect(summary.warnings[1]).toMatch(/^Skipped 15 statements .*10× ALTER … OWNER TO postgres/);
    const [setting] = await db.query<{ setconfig: string[] }>(`SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE datname = '${db.name}'`);
    expect(setting!.setconfig).toEqual(['search_path=shop, public']);
  });

  test('a role the database does have keeps its grants (the seed creates it first)', async () => {
    const db = await freshDatabase();
    // Roles belong to the server: this one exists for every database on it, this test's included.
    const role = `reader_${db.name}`;
    await db.query(`CREATE ROLE ${role} NOLOGIN`);
    const renamed = join(dumps.dir, `${role}.sql`);
    await writeFile(renamed, (await readFile(dumps.files.plain, 'utf8')).replaceAll('app_reader', role));
    const summary = await seedDatabase({ connectionString: db.url, files: [renamed] });
    expect(summary.warnings).toEqual([expect.stringMatching(/^Skipped 10 statements .*: 9× ALTER … OWNER TO postgres, 1× ALTER DEFAULT PRIVILEGES naming postgres\./)]);
    const grants = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.role_table_grants WHERE grantee = '${role}' ORDER BY 1`);
    expect(grants.map((row) => row.table_name)).toEqual(['customers', 'orders', 'paid']);
  });
});

describe('through the CLI', () => {
  test('get-db -y --seed <custom dump> --json: created, seeded, the skipped statements in warnings', async () => {
    const cwd = await tempProject();
    const result = await createWith(api, cwd, ['--seed', dumps.files.custom, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.seed).toMatchObject({ rowsCopied: 502, files: 1, skipped: 14 });
    expect(out.warnings).toEqual([expect.stringMatching(SKIPPED)]);
  });

  test('pg_dump … | get-db -y --seed - (plain and custom): read once into a private copy, checked, seeded, the copy removed', async () => {
    for (const args of [[], ['-Fc']]) {
      const cwd = await tempProject();
      const tmp = join(cwd, 'tmp');
      await mkdir(tmp);
      const env = { TMPDIR: tmp, TMP: tmp, TEMP: tmp };
      const result = await runCli(['-y', '--api-url', api.apiUrl, '--seed', '-'], { cwd, env, stdin: pgDumpStream(dumps.url, args), timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(await readdir(tmp)).toEqual([]);
      expect(result.stderr).toMatch(/▲ Skipped 14 statements/);
      expect(result.stderr).toMatch(/Seeded +\d+ statements, 502 rows copied \(14 skipped, see above\)/);
      const { DATABASE_URL_DIRECT } = parse(await readFile(join(cwd, '.env'), 'utf8'));
      const [content] = await superQuery(inject('postgres').adminUrl, CONTENT_SQL, [], new URL(DATABASE_URL_DIRECT!).pathname.slice(1));
      expect(content).toEqual({ ...dumps.content, next_id: 501 });
    }
  });

  test('an archive with no pg_restore on PATH is refused before the create, with the command that works', async () => {
    const cwd = await tempProject();
    const before = api.createRequests().length;
    // The CLI runs with node's absolute path; its PATH leads nowhere.
    const result = await createWith(api, cwd, ['--seed', dumps.files.custom], { PATH: join(cwd, 'empty') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`✖ ${dumps.files.custom} is a pg_dump custom-format archive (-Fc), which needs pg_restore, and there is no pg_restore on PATH.`);
    expect(result.stderr).toContain(`pg_restore -f ${join(dumps.dir, 'shop.sql')} ${dumps.files.custom}, then: npx get-db --seed ${join(dumps.dir, 'shop.sql')}`);
    expect(result.stderr).toMatch(/No database was created\./);
    expect(api.createRequests().length).toBe(before);
  });
});

describe('what a pg_dump archive cannot be', () => {
  test('a tar file that is not a dump: pg_restore says so, before anything runs', async () => {
    const db = await freshDatabase();
    const path = join(dumps.dir, 'not-a-dump.tar');
    // A tar header naming another file: pg_restore looks for toc.dat.
    const header = Buffer.alloc(1024);
    header.write('hello.txt');
    header.write('ustar', 257);
    await writeFile(path, header);
    const error = await seedError(seedDatabase({ connectionString: db.url, files: [path] }));
    expect(error.code).toBe('SEED_FILE_UNREADABLE');
    expect(error.message).toMatch(/^pg_restore could not read .*not-a-dump\.tar: pg_restore: error:/);
  });
});
