/**
 * GET /llms.txt: how an agent (or a person) gets a database from this server, in the
 * llms.txt shape (a title, a summary, sections of links and lines). Pure.
 */
import { formatBytes, formatTimeLeft } from '../../report/format.js';
import type { RateLimit } from '../option-values.js';

export interface LlmsFacts {
  publicUrl: string;
  ttlMs: number;
  storageLimitBytes: number;
  rateLimit: RateLimit | undefined;
}

/**
 * @example
 * llmsTxt({ publicUrl: 'http://127.0.0.1:3000', ttlMs: 72 * 3600_000, storageLimitBytes: 100e6, rateLimit: undefined });
 */
export function llmsTxt(site: LlmsFacts): string {
  const apiUrl = `${site.publicUrl}/api/v1`;
  const ttl = formatTimeLeft(site.ttlMs);
  const limit = site.rateLimit ? `at most ${site.rateLimit.count} creates per client address every ${formatTimeLeft(site.rateLimit.periodMs)}` : 'no rate limit';
  return `# get-db serve at ${site.publicUrl}

> Real PostgreSQL databases with no account, for people and coding agents, from an Instagres-compatible API. An unclaimed database is deleted ${ttl} after it is created.

## Get a database

- HTTP: \`curl -X POST ${apiUrl}/database -H 'content-type: application/json' -d '{"ref": "my-app"}'\` answers JSON with \`connection_string\`, \`claim_url\` and \`expires_at\`. \`GET ${apiUrl}/database/<id>\` reads it again.
- CLI, writing DATABASE_URL, DATABASE_URL_DIRECT and the claim URL into the project's .env: \`npx get-db --api-url ${apiUrl}\` (or set INSTAGRES_API_URL=${apiUrl}).
- MCP (Streamable HTTP): ${site.publicUrl}/mcp with the tools create_database, database_status, run_sql, seed_database and claim_url. Claude Code: \`claude mcp add --transport http get-db ${site.publicUrl}/mcp\`.
- In a browser: ${site.publicUrl}/

## Lifetime and claiming

- Unclaimed, a database lives ${ttl}, then it and its data are deleted. Over ${formatBytes(site.storageLimitBytes)} it becomes read-only until claimed.
- Claiming: the person opens the claim_url and presses Claim. The database then stays on this server with no expiry and no storage limit; the claim page shows its connection string once, and the API no longer serves it. Tell the person the claim URL and the expiry; never claim for them.
- This server allows ${limit}.
`;
}
