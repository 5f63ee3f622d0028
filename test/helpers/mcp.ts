/**
 * MCP clients for tests: the SDK's own Client, over stdio (spawning the built CLI, as
 * Claude Code does) or over Streamable HTTP (against serve's /mcp).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BIN, cliEnv } from './cli.js';

export interface ToolCall {
  /** The raw result. */
  result: CallToolResult;
  /** structuredContent on success; the CLI's JSON error object on failure. */
  json: Record<string, any>;
  /** The first text block: what the agent reads. */
  text: string;
}

export interface McpTestClient {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ToolCall>;
  /** Everything the server wrote to stderr. */
  stderr(): string;
  close(): Promise<void>;
}

function wrap(client: Client, stderr: () => string): McpTestClient {
  return {
    client,
    stderr,
    async call(name, args = {}) {
      const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
      const texts = result.content.filter((block) => block.type === 'text').map((block) => block.text);
      const json = result.isError ? JSON.parse(texts[1] ?? '{}') : (result.structuredContent as Record<string, any>);
      return { result, json, text: texts[0] ?? '' };
    },
    close: () => client.close(),
  };
}

/**
 * `get-db mcp` started by the SDK's client in `cwd`, with `args` after `mcp`.
 *
 * @example
 * const mcp = await stdioClient(cwd, ['--api-url', api.apiUrl]);
 */
export async function stdioClient(cwd: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<McpTestClient> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...args], cwd, env: cliEnv(env) as Record<string, string>, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'get-db-test', version: '1.0.0' });
  await client.connect(transport);
  return wrap(client, () => stderr);
}

/**
 * A client of serve's `/mcp` (Streamable HTTP); `headers` go with every request.
 *
 * @example
 * const mcp = await httpClient(`${base}/mcp`);
 */
export async function httpClient(url: string, headers: Record<string, string> = {}): Promise<McpTestClient> {
  const client = new Client({ name: 'get-db-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return wrap(client, () => '');
}
