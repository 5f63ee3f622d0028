/** `get-db mcp`: the MCP server on stdio (see src/mcp/local). */
import { resolve } from 'node:path';
import { resolveApiUrl } from '../../plan/plan.js';
import { serveStdio } from '../../mcp/local/index.js';

interface McpOptions {
  apiUrl?: string;
  projectDir?: string;
}

export default async function mcp(raw: Record<string, unknown>): Promise<number> {
  const options = raw as unknown as McpOptions;
  // A bad --api-url or INSTAGRES_API_URL stops the server before a client connects.
  resolveApiUrl(options.apiUrl);
  await serveStdio({ projectDir: resolve(options.projectDir ?? '.'), apiUrl: options.apiUrl });
  return 0;
}
