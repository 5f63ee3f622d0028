/**
 * serve's /mcp: MCP over Streamable HTTP with the SDK's own Client, as an agent configured
 * with the server's URL uses it. The same tools as `get-db mcp` less the env file, the
 * API's rate limit, the Origin check the MCP spec asks for, and tool calls in /metrics.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { httpClient, type McpTestClient } from './helpers/mcp.js';
import { sampleValue, scrape } from './helpers/prometheus.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { onTestPostgres, withClient } from './helpers/serve-http.js';

let serve: ServeProcess;
let mcp: McpTestClient;
// Rate limits count per client address, in state other test files' serves share: this
// file's requests come from an address of their own (--trust-proxy reads it).
const CLIENT = `2001:db8::${randomBytes(2).toString('hex')}`;

beforeAll(async () => {
  serve = await spawnServe([...onTestPostgres(), '--metrics', '--rate-limit', '2/h', '--trust-proxy']);
  mcp = await httpClient(`${serve.baseUrl}/mcp`, { 'x-forwarded-for': CLIENT });
});
afterAll(async () => {
  await mcp?.close();
  await serve?.stop();
});

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'page', version: '1' } } };

function postMcp(headers: Record<string, string>, body: unknown = initialize) {
  return fetch(`${serve.baseUrl}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-forwarded-for': CLIENT, ...headers }, body: JSON.stringify(body) });
}

describe('the tools over Streamable HTTP', () => {
  test('the same five tools, none of them taking an env file', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['claim_url', 'create_database', 'database_status', 'run_sql', 'seed_database']);
    for (const tool of tools) {
      expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain('env_file');
      expect(tool.outputSchema?.type).toBe('object');
    }
  });

  test('create (seeded), connect, run SQL, status, claim link; then claimed', async () => {
    const created = await mcp.call('create_database', { seed_sql: "create table todo (id int, title text);\ninsert into todo values (1, 'ship');\n" });
    expect(created.result.isError).toBeFalsy();
    const { id, databaseUrl, claimUrl } = created.json;
    expect(created.json).toMatchObject({ ok: true, action: 'created', envFile: null, seed: { statements: 2 } });
    expect(claimUrl).toBe(`${serve.baseUrl}/claim/${id}`);
    expect(created.text).toMatch(/Tell the person: .* unless they claim it at http/);
    expect(await withClient(databaseUrl, async (client) => (await client.query('select title from todo')).rows)).toEqual([{ title: 'ship' }]);

    const rows = await mcp.call('run_sql', { connection_string: databaseUrl, sql: 'select * from todo', read_only: true });
    expect(rows.json).toMatchObject({ command: 'SELECT', rowCount: 1, rows: [{ id: 1, title: 'ship' }], readOnly: true });
    const status = await mcp.call('database_status', { database_id: id });
    expect(status.json).toMatchObject({ status: 'UNCLAIMED', claimUrl, connectionStringServed: true });
    expect(status.json.timeLeftMs).toBeGreaterThan(71 * 3600_000);
    expect((await mcp.call('claim_url', { database_id: id })).json).toMatchObject({ claimUrl, status: 'UNCLAIMED' });

    expect((await fetch(claimUrl, { method: 'POST' })).status).toBe(200);
    expect((await mcp.call('database_status', { database_id: id })).json).toMatchObject({ status: 'CLAIMED', expiresAt: null, connectionStringServed: false });
  });

  test('each failure is a tool error with a code and hint', async () => {
    const elsewhere = await mcp.call('run_sql', { connection_string: 'postgresql://u:p@127.0.0.1:1/db', sql: 'select 1' });
    expect(elsewhere.json.error).toMatchObject({ code: 'USAGE' });
    expect(elsewhere.text).toMatch(/only on the databases it hands out/);
    const unknown = await mcp.call('database_status', { database_id: '01900000-0000-7000-8000-000000000000' });
    expect(unknown.json.error).toMatchObject({ code: 'NOT_FOUND' });
    expect((await mcp.call('claim_url', { database_id: 'nope' })).json.error).toMatchObject({ code: 'NOT_FOUND' });

    const refused = await mcp.call('create_database', { seed_sql: '\\gexec' });
    expect(refused.json.error).toMatchObject({ code: 'SEED_UNSUPPORTED' });

    const second = await mcp.call('create_database');
    expect(second.result.isError).toBeFalsy();
    const failed = await mcp.call('seed_database', { connection_string: second.json.databaseUrl, sql: 'create table a (id int);\ninsert into a values (1, 2);' });
    expect(failed.json.error).toMatchObject({ code: 'SEED_FAILED', details: { file: 'sql', line: 2 } });
    expect((await mcp.call('run_sql', { connection_string: second.json.databaseUrl, sql: "select to_regclass('a') as t" })).json.rows).toEqual([{ t: null }]);

    const limited = await mcp.call('create_database'); // the third of 2/h
    expect(limited.json.error).toMatchObject({ code: 'API_ERROR', message: 'Too many requests', details: { status: 429 } });
    expect(limited.text).toMatch(/Hint: This server makes at most 2 databases per client/);
  });
});

describe('HTTP rules', () => {
  test("a web page of another origin is refused (403); this server's own origin and no Origin are served", async () => {
    expect((await postMcp({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await postMcp({ origin: 'null' })).status).toBe(403);
    expect((await postMcp({ origin: serve.baseUrl })).status).toBe(200);
    const plain = await postMcp({});
    expect(plain.status).toBe(200);
    expect((await plain.json()).result.serverInfo.name).toBe('get-db');
    expect((await fetch(`${serve.baseUrl}/mcp`)).status).toBe(405);
  });

  test('/metrics counts tool calls by tool and outcome', async () => {
    const samples = await scrape(serve.baseUrl);
    expect(sampleValue(samples, 'get_db_serve_mcp_tool_calls_total', { tool: 'create_database', outcome: 'ok' })).toBe(2);
    expect(sampleValue(samples, 'get_db_serve_mcp_tool_calls_total', { tool: 'create_database', outcome: 'error' })).toBe(2);
    expect(sampleValue(samples, 'get_db_serve_mcp_tool_calls_total', { tool: 'run_sql', outcome: 'ok' })).toBe(2);
    expect(sampleValue(samples, 'get_db_serve_creates_total', { outcome: 'rate_limited' })).toBe(1);
  });
});
