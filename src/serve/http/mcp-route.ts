/**
 * POST /mcp: MCP over Streamable HTTP, stateless (any serve process can answer any
 * request, as for the API), with JSON answers rather than an SSE stream. The SDK's
 * web-standard transport does the protocol; this module hands it a Request made from
 * node:http's and writes its Response back (no Express, Hono or CORS layer). The SDK
 * loads at the first /mcp request, never before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServeContext } from '../context.js';
import { isSameOriginPost } from './browser-guard.js';
import { clientAddress, readBody, sendJson } from './http-io.js';

/** A seed's SQL text travels in the request: room for a schema and some data, not a dump. */
const MCP_BODY_LIMIT_BYTES = 1024 * 1024;

function webRequest(req: IncomingMessage, base: string, body: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return new Request(new URL(req.url ?? '/mcp', base), { method: 'POST', headers, body });
}

async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

/**
 * The MCP spec's DNS-rebinding rule: a request a web page of another origin makes is
 * refused (403), checked as the claim form's POSTs are; MCP clients send no Origin.
 *
 * @example
 * router: { pattern: /^\/mcp$/, methods: { POST: mcpRoute } }
 */
export async function mcpRoute(ctx: ServeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, MCP_BODY_LIMIT_BYTES);
  if (!isSameOriginPost(req.headers, ctx.endpoint.publicUrl)) {
    ctx.log({ level: 'warn', event: 'mcp_cross_site', origin: req.headers.origin ?? null });
    return sendJson(res, 403, { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Forbidden: requests from web pages of other origins are refused.' } });
  }
  const [{ serveMcpServer }, { WebStandardStreamableHTTPServerTransport }] = await Promise.all([import('../mcp/tools.js'), import('../../mcp/sdk.js')]);
  const server = serveMcpServer(ctx, clientAddress(req, ctx.trustProxyHops));
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    await sendWebResponse(res, await transport.handleRequest(webRequest(req, ctx.endpoint.publicUrl, body)));
  } finally {
    await server.close();
  }
}
