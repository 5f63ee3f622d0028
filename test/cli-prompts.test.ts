/** The interactive flow, typed into a real pseudo-terminal. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tempProject } from './helpers/cli.js';
import { KEY, startPty } from './helpers/pty.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { freshDatabase, tableNames } from './helpers/seed.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

test('asks for the file, key and prefix (Vite default from package.json), then writes them', async () => {
  const cwd = await tempProject();
  await writeFile(join(cwd, 'package.json'), JSON.stringify({ devDependencies: { vite: '7' } }));
  const pty = startPty(['--api-url', api.apiUrl], { cwd });
  await pty.waitFor('Where should the connection string go?');
  pty.type(`.env.local${KEY.enter}`);
  await pty.waitFor('Name of the connection string variable?');
  pty.type(KEY.enter);
  await pty.waitFor('Prefix for public variables?');
  expect(pty.screen()).toContain('VITE_');
  pty.type(KEY.enter);
  await pty.waitFor('Seed it from an SQL file?');
  pty.type(KEY.enter);
  await pty.waitFor('npx get-db claim');
  expect(await pty.exit).toBe(0);
  const vars = parse(await readFile(join(cwd, '.env.local'), 'utf8'));
  expect(Object.keys(vars)).toEqual(['DATABASE_URL', 'DATABASE_URL_DIRECT', 'VITE_INSTAGRES_CLAIM_URL']);
});

test('a key already in the file is said before any question; "No" leaves it and asks nothing more', async () => {
  const cwd = await tempProject();
  await writeFile(join(cwd, '.env'), 'DATABASE_URL=postgres://mine@host/db\n');
  const before = api.requests.length;
  const pty = startPty(['--api-url', api.apiUrl], { cwd });
  await pty.waitFor('already set in .env');
  expect(pty.screen()).not.toContain('Where should the connection string go?');
  pty.type(KEY.enter); // default answer: No
  expect(await pty.exit).toBe(0);
  expect(pty.screen()).not.toMatch(/Where should|Name of the connection|Prefix for public|Seed it from/);
  expect(await readFile(join(cwd, '.env'), 'utf8')).toBe('DATABASE_URL=postgres://mine@host/db\n');
  expect(api.requests.length).toBe(before);
});

test('"Yes" to replacing: only the prefix and seed are asked, then the old lines become comments', async () => {
  const cwd = await tempProject();
  await writeFile(join(cwd, '.env'), 'DATABASE_URL=postgres://mine@host/db\n');
  const pty = startPty(['--api-url', api.apiUrl], { cwd });
  await pty.waitFor('already set in .env');
  pty.type(KEY.down);
  pty.type(KEY.enter);
  await pty.waitFor('Prefix for public variables?');
  pty.type(KEY.enter);
  await pty.waitFor('Seed it from an SQL file?');
  pty.type(KEY.enter);
  expect(await pty.exit).toBe(0);
  expect(pty.screen()).not.toMatch(/Where should|Name of the connection/);
  expect(await readFile(join(cwd, '.env'), 'utf8')).toMatch(/^# replaced by get-db on .*: DATABASE_URL=postgres:\/\/mine@host\/db$/m);
});

test('a --seed file that does not exist is refused before any question', async () => {
  const cwd = await tempProject();
  const pty = startPty(['-s', 'missing.sql', '--api-url', api.apiUrl], { cwd });
  await pty.waitFor(/missing\.sql|Where should/);
  expect(await pty.exit).toBe(2);
  expect(pty.screen()).toContain('missing.sql');
  expect(pty.screen()).not.toContain('Where should the connection string go?');
});

test('Ctrl-C at a prompt: "Cancelled", exit 130, nothing written', async () => {
  const cwd = await tempProject();
  const pty = startPty(['--api-url', api.apiUrl], { cwd });
  await pty.waitFor('Where should the connection string go?');
  pty.type(KEY.ctrlC);
  expect(await pty.exit).toBe(130);
  expect(pty.screen()).toMatch(/Cancelled/);
  await expect(stat(join(cwd, '.env'))).rejects.toThrow();
});

test('Ctrl-C while provisioning: "Cancelled", exit 130, nothing written', async () => {
  const cwd = await tempProject();
  api.hang(1);
  const pty = startPty(['-e', '.env', '-k', 'DATABASE_URL', '-p', 'PUBLIC_', '--api-url', api.apiUrl], { cwd });
  await pty.waitFor('Seed it from an SQL file?');
  pty.type(KEY.enter);
  await pty.waitFor('Creating your database');
  pty.type(KEY.ctrlC);
  expect(await pty.exit).toBe(130);
  api.resetScript();
  // Says what a user wants to know after Ctrl-C: the env file was left as it was.
  expect(pty.screen()).toMatch(/Cancelled before the API answered; .*\.env was not changed\./);
  await expect(stat(join(cwd, '.env'))).rejects.toThrow();
});

test('a seed still pending for the key in the file: no "replace?" question, the seed runs on that database', async () => {
  const cwd = await tempProject();
  const db = await freshDatabase();
  const claimUrl = `${api.baseUrl}/claim/01900000-0000-7000-8000-000000000001`;
  await writeFile(join(cwd, '.env'), [
    `# Claimable DB expires at: ${new Date(Date.now() + 3600_000).toUTCString()}`,
    `# Claim it now to your account: ${claimUrl}`,
    '# get-db: seed pending for DATABASE_URL: schema.sql (run the same command again to apply it)',
    `DATABASE_URL='${db.url}'`,
    `DATABASE_URL_DIRECT='${db.url.replace('-pooler.', '.')}'`,
    `PUBLIC_INSTAGRES_CLAIM_URL='${claimUrl}'`,
    '',
  ].join('\n'));
  await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\n');
  const before = api.requests.length;
  const pty = startPty(['-e', '.env', '-k', 'DATABASE_URL', '-p', 'PUBLIC_', '-s', 'schema.sql', '--api-url', api.apiUrl], { cwd });
  await pty.waitFor('Seeded the database already in .env');
  expect(await pty.exit).toBe(0);
  expect(pty.screen()).not.toMatch(/already set/);
  expect(api.requests.length).toBe(before);
  expect(await tableNames(db)).toEqual(['t']);
  expect(await readFile(join(cwd, '.env'), 'utf8')).not.toMatch(/seed pending/);
});
