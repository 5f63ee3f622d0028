/**
 * The Vite plugin when something fails: one clear line worded with the plugin's options, the
 * dev server always starts, and nothing is lost.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, test } from 'vitest';
import { postgres } from '../src/vite.js';
import { inPluginWords } from '../src/vite/messages.js';
import { countRows } from './helpers/postgres.js';
import { useViteHarness } from './helpers/vite.js';

const vite = useViteHarness();
const { viteProject, plugin, startDev, createCount, passwordOf } = vite;

describe('messages name the plugin options, not CLI flags', () => {
  test('a bad apiUrl: the hint says apiUrl', async () => {
    const root = await viteProject();
    const { logger } = await startDev(root, [plugin({ apiUrl: 'not a url' })]);
    const text = logger.lines.join('\n');
    expect(text).toContain('INVALID_API_URL');
    expect(text).toContain("apiUrl: 'https://instagres.com/api/v1'");
    expect(text).not.toMatch(/--[a-z]/);
  });

  test('a missing referrer: the hint says referrer', async () => {
    const root = await viteProject();
    const { logger } = await startDev(root, [postgres({ apiUrl: vite.api.apiUrl } as Parameters<typeof postgres>[0])]);
    const text = logger.lines.join('\n');
    expect(text).toContain('The plugin needs a referrer: postgres({ referrer: "your-app-name" })');
    expect(text).not.toMatch(/--[a-z]|instantPostgres/);
  });

  test("an API that cannot be reached: the hint names apiUrl, not apiUrl: '(…)'", async () => {
    const root = await viteProject();
    const { logger } = await startDev(root, [plugin({ apiUrl: 'http://127.0.0.1:1/api/v1' })]);
    const text = logger.lines.join('\n');
    expect(text).toContain('NETWORK');
    expect(text).toContain('or point apiUrl (INSTAGRES_API_URL) at a reachable server.');
    expect(text).not.toMatch(/--[a-z]|apiUrl: '\(/);
  });

  test('words that only look like flags stay as they are', () => {
    expect(inPluginWords('sh, dotenv, Vite and node --env-file would read differently')).toBe('sh, dotenv, Vite and node --env-file would read differently');
    expect(inPluginWords('Is --api-url (or INSTAGRES_API_URL) an Instagres-compatible API?')).toBe('Is apiUrl (or INSTAGRES_API_URL) an Instagres-compatible API?');
    expect(inPluginWords('choose another path with --env.')).toBe('choose another path with dotEnvFile.');
  });
});

describe('failures are logged and the dev server still starts', () => {
  test('400 Missing referrer: one clear line, the hint, no file; the page is served', async () => {
    const root = await viteProject();
    vite.api.fail(1, 400, { error: 'Missing referrer', hint: 'Add a "ref" to the request body naming your app.' });
    const { logger, page, server } = await startDev(root, [plugin()]);
    expect(logger.lines).toEqual([
      'info: [get-db] DATABASE_URL is not set: creating a claimable Postgres database…',
      expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(API_ERROR\): .*Missing referrer/),
      'info: [get-db] Add a "ref" to the request body naming your app.',
      'info: [get-db] The dev server starts without DATABASE_URL; restart the dev server to try again.',
    ]);
    expect((await page()).status).toBe(200);
    expect(existsSync(join(root, '.env'))).toBe(false);
    expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBeUndefined();
  });

  test('500 on every attempt: logged, the server runs, and the next start tries again', async () => {
    const root = await viteProject();
    const before = createCount();
    vite.api.fail(4, 500);
    const failed = await startDev(root, [plugin()]);
    expect(failed.logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(API_ERROR\): .*Failed to create the database/));
    expect((await failed.page()).status).toBe(200);
    expect(createCount()).toBe(before + 4);
    await failed.server.close();

    await startDev(root, [plugin()]);
    expect(createCount()).toBe(before + 5);
    expect(parse(await readFile(join(root, '.env'), 'utf8')).DATABASE_URL).toBe(vite.api.lastCreated()!.connection_string);
  });

  test('an empty assignment in the env file: nothing is created or overwritten, and the line says what to do', async () => {
    const root = await viteProject();
    await writeFile(join(root, '.env'), 'DATABASE_URL=\n');
    const requests = vite.api.requests.length;
    const { logger, page } = await startDev(root, [plugin()]);
    expect(logger.lines).toEqual([
      'info: [get-db] DATABASE_URL is not set: creating a claimable Postgres database…',
      'error: [get-db] DATABASE_URL is assigned in .env but reads as empty; no database was created.',
      'info: [get-db] Give it a value, or delete the line and restart the dev server to get a new database.',
    ]);
    expect(vite.api.requests.length).toBe(requests);
    expect(await readFile(join(root, '.env'), 'utf8')).toBe('DATABASE_URL=\n');
    expect((await page()).status).toBe(200);
  });

  test('an empty assignment in another file Vite reads (.env.local): that file is named, nothing is created', async () => {
    const root = await viteProject();
    await writeFile(join(root, '.env.local'), 'DATABASE_URL=\n');
    const requests = vite.api.requests.length;
    const { logger } = await startDev(root, [plugin()]);
    expect(logger.lines).toContain('error: [get-db] DATABASE_URL is assigned in .env.local but reads as empty; no database was created.');
    expect(vite.api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });

  test('an option of the wrong type (a plain JS config): one USAGE line naming it; the dev server still starts', async () => {
    const root = await viteProject();
    const requests = vite.api.requests.length;
    const { logger, page } = await startDev(root, [plugin({ dotEnvFile: 5 as unknown as string })]);
    expect(logger.lines[0]).toBe('error: [get-db] Could not create a database for DATABASE_URL (USAGE): The option dotEnvFile must be a string, not number 5.');
    expect(vite.api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
    expect((await page()).status).toBe(200);
  });

  test('bad options (no referrer) are logged before any request', async () => {
    const root = await viteProject();
    const requests = vite.api.requests.length;
    const { logger, page } = await startDev(root, [postgres({ apiUrl: vite.api.apiUrl } as Parameters<typeof postgres>[0])]);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(INVALID_REFERRER\)/));
    expect(vite.api.requests.length).toBe(requests);
    expect((await page()).status).toBe(200);
  });

  test('a seed file the seed would refuse: logged before any request, no database, no file; the page is served', async () => {
    const root = await viteProject();
    await writeFile(join(root, 'schema.sql'), 'create table notes (id int);\n\\copy notes from notes.csv\n');
    const before = createCount();
    const { logger, page } = await startDev(root, [plugin({ seed: { type: 'sql-script', path: 'schema.sql' } })]);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(SEED_UNSUPPORTED\): .*schema\.sql:2:1: the psql meta-command \\copy/));
    expect(logger.lines).toContainEqual(expect.stringMatching(/No database was created\.$/));
    expect(createCount()).toBe(before);
    await expect(readFile(join(root, '.env'), 'utf8')).rejects.toThrow(/ENOENT/);
    expect((await page()).status).toBe(200);
  });

  test('a seed that fails: the database is named with its claim URL, and the next start seeds that database', async () => {
    const root = await viteProject();
    await writeFile(join(root, 'schema.sql'), 'create table notes (id int);\nselect * from no_such_table;\n');
    const before = createCount();
    const failed = await startDev(root, [plugin({ seed: { type: 'sql-script', path: 'schema.sql' } })]);
    const db = vite.api.lastCreated()!;
    expect(failed.logger.lines).toContainEqual(expect.stringMatching(new RegExp(`^error: \\[get-db\\] Database ${db.id} is in \\.env, but seeding it failed: .*schema\\.sql:2`)));
    expect(failed.logger.lines).toContainEqual(`info: [get-db] The next start of vite seeds it again (no new database); claim it to keep it: ${db.claim_url}`);
    await failed.server.close();

    await writeFile(join(root, 'schema.sql'), 'create table notes (id int);\ninsert into notes values (1);\n');
    const next = await startDev(root, [plugin({ seed: { type: 'sql-script', path: 'schema.sql' } })]);
    expect(createCount()).toBe(before + 1);
    expect(next.logger.lines).toContainEqual(`info: [get-db] Seeded database ${db.id} from schema.sql.`);
    const written = parse(await readFile(join(root, '.env'), 'utf8'));
    expect(await countRows(written.DATABASE_URL_DIRECT!, 'notes')).toBe(1);
    expect(await readFile(join(root, '.env'), 'utf8')).not.toMatch(/seed pending/);
  });

  test('an env file that cannot be written: the database is used for this session and its claim URL is shown, never the password', async () => {
    const root = await viteProject();
    vite.api.onCreate(async () => {
      await mkdir(join(root, '.env'));
    });
    const { logger, server } = await startDev(root, [plugin()]);
    const db = vite.api.lastCreated()!;
    expect(logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] A database was created, but \.env could not be written/));
    expect(logger.lines).toContainEqual(expect.stringContaining(db.claim_url));
    expect(logger.lines.join('\n')).not.toContain(passwordOf(db.connection_string!));
    expect(process.env.DATABASE_URL).toBe(db.connection_string);
    expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
  });
});

