/**
 * The MCP server both faces share (`get-db mcp` on stdio, serve's `/mcp`): the SDK's
 * McpServer, with its own argument errors given the USAGE code and hint that every other
 * failure of a tool carries.
 */
import { McpServer } from './sdk.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { GetDbError } from '../errors.js';
import { VERSION } from '../version.js';
import { toolError } from './results.js';

/**
 * A new server; `instructions` reach the agent at initialize (how to use the tools).
 *
 * @example
 * const server = newMcpServer(LOCAL_INSTRUCTIONS);
 */
export function newMcpServer(instructions: string): McpServer {
  const server = new McpServer({ name: 'get-db', version: VERSION, title: 'get-db: a Postgres database with no account' }, { instructions });
  // The SDK answers an unknown tool or a bad argument itself, as text alone; it is the
  // agent's call to fix, so it gets USAGE and a hint like every other failure. (The method
  // is the SDK's; test/mcp-stdio.test.ts sees the code, so a rename shows there.)
  const sdk = server as unknown as { createToolError(message: string): CallToolResult };
  sdk.createToolError = (message) =>
    toolError(new GetDbError('USAGE', message.replace(/^MCP error -?\d+: /, ''), { hint: 'Check the arguments against the tool\'s inputSchema (tools/list).' }));
  return server;
}
