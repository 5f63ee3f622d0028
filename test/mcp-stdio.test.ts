/**
 * `get-db mcp` as a coding agent meets it: the SDK's own Client spawns the built CLI over
 * stdio, in a project folder, against the fake Instagres API whose databases are real ones
 * on the test PostgreSQL. Every tool, and each way it fails: as a tool error with the CLI's
 * code and hint, never a protocol error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { createWith, runCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { stdioClient, type McpTestClient } from './helpers/mcp.js';
import { countRows } from './helpers/postgres.js';

let api: FakeApi;
let cwd: string;
let mcp: McpTestClient;
beforeAll(async () => {
  api = await startFakeApi({ postgres: inject('postgres') });
  cwd = await tempProject('get-db-mcp-');
  execFileSync('git', ['init', '-q'], { cwd });
  // A browser the server must never start: it would leave this file behind.
  const marker = join(cwd, 'browser-was-opened');
  await writeFile(join(cwd, 'browser.sh'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  mcp = await stdioClient(cwd, ['--api-url', api.apiUrl], { BROWSER: join(cwd, 'browser.sh'), DISPLAY: ':0' });
});
afterAll(async () => {
  await mcp?.close();
  await api?.close();
});

/** The env file with its values (URLs, times) replaced: what is left is its shape. */
const shapeOf = (text: string) =>
  text
    .replace(/postgresql:\/\/\S+/g, '<url>')
    .replace(/http:\/\/127\.0\.0\.1:\d+\/claim\/\S+/g, '<claim>')
    .replace(/expires at: .*/g, 'expires at: <time>');

describe('tools/list', () => {
  test('five tools, each with a description, input and output schemas and annotations', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['claim_url', 'create_database', 'database_status', 'run_sql', 'seed_database']);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(80);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
      expect(tool.annotations).toBeDefined();
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.database_status!.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    expect(byName.claim_url!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.run_sql!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.run_sql!.inputSchema.required).toEqual(['sql']);
    expect(mcp.client.getInstructions()).toMatch(/claim URL/);
  });
});

describe('create_database', () => {
  test('writes the env file as `get-db -y` does, seeds the SQL text, and says what to tell the person', async () => {
    const created = await mcp.call('create_database', { seed_sql: 'create table notes (id int primary key, body text);\ninsert into notes values (1, $$hello$$);\n' });
    expect(created.result.isError).toBeFalsy();
    const db = api.lastCreated()!;
    expect(created.json).toMatchObject({ ok: true, action: 'created', id: db.id, claimUrl: db.claim_url, envFile: join(cwd, '.env'), gitignoreAdded: join(cwd, '.gitignore'), seed: { statements: 2 } });
    expect(created.text).toContain(`Tell the person`);
    expect(created.text).toContain(db.claim_url);
    expect(created.text).toContain(db.expires_at);

    const env = await readFile(join(cwd, '.env'), 'utf8');
    expect(parse(env)).toMatchObject({ DATABASE_URL: db.connection_string, DATABASE_URL_DIRECT: created.json.databaseUrlDirect, PUBLIC_INSTAGRES_CLAIM_URL: db.claim_url });
    expect(env).not.toContain('seed pending');
    if (process.platform !== 'win32') expect((await stat(join(cwd, '.env'))).mode & 0o777).toBe(0o600);
    expect(await countRows(created.json.databaseUrlDirect, 'notes')).toBe(1);

    const byCli = await tempProject('get-db-mcp-cli-');
    execFileSync('git', ['init', '-q'], { cwd: byCli });
    expect((await createWith(api, byCli)).code).toBe(0);
    expect(shapeOf(env)).toBe(shapeOf(await readFile(join(byCli, '.env'), 'utf8')));
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe(await readFile(join(byCli, '.gitignore'), 'utf8'));
  });

  test('a project that has a database already: KEY_EXISTS, nothing created, the hint names force', async () => {
    const before = api.createRequests().length;
    const again = await mcp.call('create_database');
    expect(again.result.isError).toBe(true);
    expect(again.json.error).toMatchObject({ code: 'KEY_EXISTS' });
    expect(again.text).toMatch(/^KEY_EXISTS: DATABASE_URL is already set/);
    expect(again.text).toMatch(/Hint: Pass force: true/);
    expect(api.createRequests().length).toBe(before);
  });

  test('write_env_file: false returns the URLs and touches no file', async () => {
    const dir = await tempProject('get-db-mcp-nofile-');
    const other = await stdioClient(dir, ['--api-url', api.apiUrl]);
    try {
      const created = await other.call('create_database', { write_env_file: false });
      expect(created.json).toMatchObject({ ok: true, action: 'created', envFile: null, databaseUrl: api.lastCreated()!.connection_string });
      expect(existsSync(join(dir, '.env'))).toBe(false);
      expect(existsSync(join(dir, '.gitignore'))).toBe(false);
    } finally {
      await other.close();
    }
  });

  test('seed SQL the seed refuses costs no database; an API failure is API_ERROR', async () => {
    const before = api.createRequests().length;
    const refused = await mcp.call('create_database', { env_file: '.env.other', seed_sql: 'select 1;\n\\gexec\n' });
    expect(refused.json.error).toMatchObject({ code: 'SEED_UNSUPPORTED', details: { file: 'sql', line: 2 } });
    expect(refused.text).toMatch(/No database was created/);
    expect(api.createRequests().length).toBe(before);
    // '-' is a path in the project, never the protocol's own standard input (that would hang the session).
    const dash = await mcp.call('create_database', { env_file: '.env.other', seed_files: ['-'] });
    expect(dash.json.error).toMatchObject({ code: 'SEED_FILE_UNREADABLE' });
    expect(api.createRequests().length).toBe(before);

    // One that fails as it runs: the database stays, marked "seed pending", and the way back names no file "sql".
    const halfway = await mcp.call('create_database', { env_file: '.env.pending', seed_sql: 'create table kept (n int);\ninsert into missing values (1);\n' });
    expect(halfway.json.error).toMatchObject({ code: 'SEED_FAILED', details: { file: 'sql', line: 2 } });
    expect(halfway.text).toContain('<sql>');
    expect(halfway.text).not.toMatch(/get-db seed (-e \S+ )?sql\b/);
    expect(await readFile(join(cwd, '.env.pending'), 'utf8')).toMatch(/^# get-db: seed pending for DATABASE_URL: <sql>/m);

    api.fail(4, 500);
    const failed = await mcp.call('create_database', { env_file: '.env.other' });
    api.resetScript();
    expect(failed.result.isError).toBe(true);
    expect(failed.json.error.code).toBe('API_ERROR');
    expect(existsSync(join(cwd, '.env.other'))).toBe(false);
  });
});

describe('run_sql', () => {
  test("rows as JSON from the env file's database, with the command tag, row count and a row cap", async () => {
    const rows = await mcp.call('run_sql', { sql: "select id, body, true as ok, '{\"a\":1}'::jsonb as j, 9007199254740993::int8 as big from notes" });
    expect(rows.json).toMatchObject({ ok: true, command: 'SELECT', rowCount: 1, columns: ['id', 'body', 'ok', 'j', 'big'], truncated: false });
    expect(rows.json.rows).toEqual([{ id: 1, body: 'hello', ok: true, j: { a: 1 }, big: '9007199254740993' }]);

    const many = await mcp.call('run_sql', { sql: 'select g from generate_series(1, 50) g', max_rows: 5 });
    expect(many.json).toMatchObject({ rowCount: 50, truncated: true });
    expect(many.json.rows).toHaveLength(5);
    expect(many.text).toMatch(/5 of 50 rows shown \(truncated/);

    const insert = await mcp.call('run_sql', { sql: "insert into notes values (2, 'two'), (3, 'three');" });
    expect(insert.json).toMatchObject({ command: 'INSERT', rowCount: 2, rows: [] });
  });

  test('read_only changes nothing: a write fails, and BEGIN/COMMIT are refused before anything runs', async () => {
    const write = await mcp.call('run_sql', { sql: "insert into notes values (9, 'nine')", read_only: true });
    expect(write.json.error).toMatchObject({ code: 'SQL_FAILED' });
    expect(write.json.error.message).toMatch(/read-only transaction/);
    const escape = await mcp.call('run_sql', { sql: "commit;\ninsert into notes values (9, 'nine')", read_only: true });
    expect(escape.json.error).toMatchObject({ code: 'USAGE', details: { line: 1, column: 1 } });
    const count = await mcp.call('run_sql', { sql: 'select count(*)::int as n from notes where id = 9', read_only: true });
    expect(count.json.rows).toEqual([{ n: 0 }]);
  });

  test("an error names its line and column in the SQL, and PostgreSQL's hint", async () => {
    const failed = await mcp.call('run_sql', { sql: 'select 1;\nselect nope from notes;' });
    expect(failed.result.isError).toBe(true);
    expect(failed.json.error).toMatchObject({ code: 'SQL_FAILED', details: { file: 'sql', line: 2, column: 8 } });
    expect(failed.text).toMatch(/^SQL_FAILED: sql:2:8: column "nope" does not exist/);
  });

  test('a connection string that reaches nothing, and a missing argument', async () => {
    const away = await mcp.call('run_sql', { sql: 'select 1', connection_string: 'postgresql://u:p@127.0.0.1:1/db' });
    expect(away.json.error).toMatchObject({ code: 'SQL_FAILED' });
    expect(away.text).toMatch(/Hint: Is the database server running/);
    const bad = await mcp.call('run_sql', {});
    expect(bad.result.isError).toBe(true);
    expect(bad.json.error).toMatchObject({ code: 'USAGE' });
    expect(bad.text).toMatch(/sql/);
    const unknown = await mcp.call('drop_everything', {});
    expect(unknown.json.error).toMatchObject({ code: 'USAGE' });
  });
});

describe('seed_database', () => {
  test('applies SQL text and files in one transaction; a failure names sql:line and leaves nothing', async () => {
    await writeFile(join(cwd, 'tags.sql'), 'create table tags (name text);\n');
    const seeded = await mcp.call('seed_database', { files: ['tags.sql'], sql: "insert into tags values ('a'), ('b');" });
    expect(seeded.json).toMatchObject({ ok: true, action: 'seed', statements: 2, files: 2 });
    const url = parse(await readFile(join(cwd, '.env'), 'utf8')).DATABASE_URL_DIRECT!;
    expect(await countRows(url, 'tags')).toBe(2);

    const failed = await mcp.call('seed_database', { sql: "insert into tags values ('c');\ninsert into tags values (1, 2);" });
    expect(failed.json.error).toMatchObject({ code: 'SEED_FAILED', details: { file: 'sql', line: 2 } });
    expect(failed.text).toMatch(/nothing of the seed remains/);
    expect(await countRows(url, 'tags')).toBe(2);

    const empty = await mcp.call('seed_database', {});
    expect(empty.json.error).toMatchObject({ code: 'USAGE' });
    const missing = await mcp.call('seed_database', { files: ['nope.sql'] });
    expect(missing.json.error).toMatchObject({ code: 'SEED_FILE_UNREADABLE' });
  });
});

describe('database_status and claim_url', () => {
  test('status and the claim link; no browser is opened; claimed and expired databases', async () => {
    const claimUrl = parse(await readFile(join(cwd, '.env'), 'utf8')).PUBLIC_INSTAGRES_CLAIM_URL!;
    const id = claimUrl.split('/').at(-1)!;

    const status = await mcp.call('database_status');
    expect(status.json).toMatchObject({ ok: true, action: 'status', id, status: 'UNCLAIMED', claimUrl, connectionStringServed: true });
    expect(status.json.timeLeftMs).toBeGreaterThan(71 * 3600_000);
    expect(status.text).toContain(claimUrl);

    const claim = await mcp.call('claim_url');
    expect(claim.json).toMatchObject({ ok: true, action: 'claim', claimUrl, status: 'UNCLAIMED' });
    expect(claim.text).toContain(claimUrl);
    expect(existsSync(join(cwd, 'browser-was-opened'))).toBe(false);

    api.setStatus(id, 'CLAIMED');
    expect((await mcp.call('database_status')).json).toMatchObject({ status: 'CLAIMED', connectionStringServed: false });
    expect((await mcp.call('claim_url')).text).toMatch(/already claimed/);

    api.expire(id);
    const gone = await mcp.call('database_status');
    expect(gone.json.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(gone.text).toMatch(/has expired or no longer exists/);
    expect(gone.text).toMatch(/Hint: Create a new one with: npx get-db --force/);
    expect((await mcp.call('claim_url')).json.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  test('no env file: ENV_READ_FAILED, its hint in argument words', async () => {
    const missing = await mcp.call('database_status', { env_file: '.env.none' });
    expect(missing.json.error).toMatchObject({ code: 'ENV_READ_FAILED' });
    expect(missing.text).toMatch(/point to your file with env_file/);
    expect((await mcp.call('claim_url', { env_file: '.env.none' })).json.error).toMatchObject({ code: 'ENV_READ_FAILED' });
  });
});

describe('start-up', () => {
  /** The modules a run of the CLI loads (a resolve hook logs ES modules, require's cache the CommonJS ones), as file names under dist/. */
  async function modulesLoaded(run: (env: Record<string, string>) => Promise<unknown>): Promise<string[]> {
    const dir = await tempProject('get-db-mcp-hooks-');
    const log = join(dir, 'loaded.txt');
    const hook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) { const result = await next(specifier, context); appendFileSync(${JSON.stringify(log)}, result.url + '\\n'); return result; }`;
    const preload = join(dir, 'preload.mjs');
    const commonjs = `process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n'));`;
    await writeFile(preload, `import { appendFileSync } from 'node:fs';\nimport { createRequire, register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n${commonjs}\n`);
    await run({ NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(preload).href}` });
    return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((url) => url.includes('/dist/')).map((url) => url.replace(/^.*\/dist\//, ''));
  }

  test('`get-db -y` loads no MCP or zod module; `get-db mcp` does', async () => {
    const project = await tempProject('get-db-mcp-create-');
    const create = await modulesLoaded((env) => createWith(api, project, [], env));
    expect(create).toContain('cli/commands.cjs');
    expect(create.filter((file) => /mcp/.test(file))).toEqual([]);
    const server = await modulesLoaded((env) => runCli(['mcp'], { cwd: project, env }));
    expect(server).toContain('internal/mcp-sdk.js');
  });
});
