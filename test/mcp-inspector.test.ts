/**
 * The MCP Inspector's CLI mode as an outside client (its own SDK copy, its own argument
 * parsing), against `get-db mcp` on stdio and serve's /mcp: list tools, create, run SQL,
 * status, claim URL, and an error of each. (@modelcontextprotocol/inspector-cli: the
 * Inspector's CLI mode as a package of its own; the whole Inspector brings a web UI,
 * React and a second Vite, for nothing this test uses.)
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { BIN, cliEnv, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { onTestPostgres } from './helpers/serve-http.js';

const INSPECTOR = createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/build/index.js');

/** One Inspector run: `target` is a command or an /mcp URL; tool arguments as key=value. */
async function inspect(target: string[], method: string, tool?: { name: string; args?: Record<string, string> }, headers: string[] = []): Promise<any> {
  const toolArgs = tool ? ['--tool-name', tool.name, ...(tool.args ? ['--tool-arg', ...Object.entries(tool.args).map(([key, value]) => `${key}=${value}`)] : [])] : [];
  // The Inspector reads its own package.json relative to the working folder: run it from its own.
  const { stdout } = await promisify(execFile)(process.execPath, [INSPECTOR, ...target, '--method', method, ...toolArgs, ...headers.flatMap((header) => ['--header', header])], {
    cwd: dirname(INSPECTOR),
    env: cliEnv(),
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

const errorOf = (result: any) => JSON.parse(result.content[1].text).error;

describe('get-db mcp (stdio)', () => {
  let api: FakeApi;
  let stdio: string[];
  beforeAll(async () => {
    api = await startFakeApi({ postgres: inject('postgres') });
    stdio = [process.execPath, BIN, 'mcp', '--project-dir', await tempProject('get-db-inspector-'), '--api-url', api.apiUrl];
  });
  afterAll(() => api?.close());

  // Calls that do not depend on each other run side by side: each is a Node process or two.
  test('tools, create, SQL, status, claim URL and the errors', async () => {
    const [list, created] = await Promise.all([
      inspect(stdio, 'tools/list'),
      inspect(stdio, 'tools/call', { name: 'create_database', args: { seed_sql: 'create table t (n int); insert into t values (7);' } }),
    ]);
    expect(list.tools).toHaveLength(5);
    expect(created.structuredContent).toMatchObject({ action: 'created', claimUrl: api.lastCreated()!.claim_url });
    const [rows, status, claim, again, bad] = await Promise.all([
      inspect(stdio, 'tools/call', { name: 'run_sql', args: { sql: 'select n from t', read_only: 'true' } }),
      inspect(stdio, 'tools/call', { name: 'database_status' }),
      inspect(stdio, 'tools/call', { name: 'claim_url' }),
      inspect(stdio, 'tools/call', { name: 'create_database' }),
      inspect(stdio, 'tools/call', { name: 'run_sql', args: { sql: 'select nope' } }),
    ]);
    expect(rows.structuredContent).toMatchObject({ rows: [{ n: 7 }], readOnly: true });
    expect(status.structuredContent).toMatchObject({ status: 'UNCLAIMED' });
    expect(claim.structuredContent).toMatchObject({ claimUrl: api.lastCreated()!.claim_url });
    expect(again.isError).toBe(true);
    expect(errorOf(again).code).toBe('KEY_EXISTS');
    expect(errorOf(bad).code).toBe('SQL_FAILED');
  });
});

describe("serve's /mcp (Streamable HTTP)", () => {
  let serve: ServeProcess;
  // Its own client address, as in serve-mcp.test.ts: rate limits are per address.
  const header = [`X-Forwarded-For: 2001:db8::${randomBytes(2).toString('hex')}`];
  beforeAll(async () => {
    serve = await spawnServe([...onTestPostgres(), '--trust-proxy']);
  });
  afterAll(() => serve?.stop());

  test('tools, create, SQL, status, claim URL and the errors', async () => {
    const url = [`${serve.baseUrl}/mcp`];
    const call = (name: string, args?: Record<string, string>) => inspect(url, 'tools/call', { name, args }, header);
    const [list, made] = await Promise.all([inspect(url, 'tools/list', undefined, header), call('create_database')]);
    expect(list.tools).toHaveLength(5);
    const created = made.structuredContent;
    expect(created).toMatchObject({ action: 'created', claimUrl: `${serve.baseUrl}/claim/${created.id}` });
    const id = { database_id: created.id };
    const [rows, status, claim, gone, elsewhere] = await Promise.all([
      call('run_sql', { connection_string: created.databaseUrl, sql: 'select 40 + 2 as answer' }),
      call('database_status', id),
      call('claim_url', id),
      call('database_status', { database_id: '01900000-0000-7000-8000-000000000000' }),
      call('run_sql', { connection_string: 'postgresql://u:p@127.0.0.1:1/db', sql: 'select 1' }),
    ]);
    expect(rows.structuredContent.rows).toEqual([{ answer: 42 }]);
    expect(status.structuredContent).toMatchObject({ status: 'UNCLAIMED' });
    expect(claim.structuredContent).toMatchObject({ claimUrl: created.claimUrl });
    expect(errorOf(gone).code).toBe('NOT_FOUND');
    expect(errorOf(elsewhere).code).toBe('USAGE');
  });
});
