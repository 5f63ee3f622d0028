/**
 * The one door to the MCP SDK and zod: built on its own, minified, as
 * dist/internal/mcp-sdk.js, which the rest of get-db imports as `#mcp-sdk` (package.json
 * "imports"). Only `get-db mcp` and serve's `/mcp` load it. What is left out of the SDK,
 * and why: tsup.config.ts.
 */
export { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
export { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
export { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
export { z } from 'zod';
