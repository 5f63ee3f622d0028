/**
 * `get-db mcp`: the MCP server on stdio, for coding agents (Claude Code, Cursor, VS Code).
 * Its tools work on the project's env file exactly as the CLI does. stdout carries the
 * protocol only; nothing else is ever printed there.
 */
import { StdioServerTransport, type McpServer } from '../sdk.js';
import { newMcpServer } from '../server.js';
import type { LocalContext } from './context.js';
import { registerCreate } from './create.js';
import { registerSqlTools } from './sql-tools.js';
import { registerStatusTools } from './status-tools.js';

const INSTRUCTIONS = `get-db gives this project a real Postgres database with no account. Before creating one, check whether the project already has one (database_status; or DATABASE_URL in its env file). create_database makes one and writes DATABASE_URL into the env file; run_sql and seed_database work on it. It is temporary: always tell the person the claim URL and the expiry from the result, and that they open the claim link themselves.`;

/**
 * The server with its five tools, not yet connected.
 *
 * @example
 * await localMcpServer({ projectDir: process.cwd(), apiUrl: undefined }).connect(transport);
 */
export function localMcpServer(ctx: LocalContext): McpServer {
  const server = newMcpServer(INSTRUCTIONS);
  registerCreate(server, ctx);
  registerStatusTools(server, ctx);
  registerSqlTools(server, ctx);
  return server;
}

/**
 * Serves on stdin/stdout until the client closes stdin (calls in flight still finish).
 *
 * @example
 * await serveStdio({ projectDir: process.cwd(), apiUrl: undefined });
 */
export async function serveStdio(ctx: LocalContext): Promise<void> {
  const server = localMcpServer(ctx);
  // The end of stdin is the client's goodbye: calls in flight still answer, then nothing
  // holds the process and it exits. A closed stdout (EPIPE) has no one to answer.
  const gone = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdout.once('error', () => void server.close().finally(resolve));
  });
  await server.connect(new StdioServerTransport());
  await gone;
}
