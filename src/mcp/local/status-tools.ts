/**
 * database_status and claim_url on stdio: `get-db status` and `get-db claim --no-open` as
 * tools. The server never opens a browser: the claim is the person's to make.
 */
import { z, type McpServer } from '../sdk.js';
import { expiryWarnings } from '../../engine/expiry.js';
import { readDatabaseRef } from '../../engine/project-env.js';
import { fetchStatus, fetchStatusOf, statusForClaim } from '../../engine/status.js';
import { apiUrlForFile, resolveApiUrl } from '../../plan/plan.js';
import { statusJson } from '../../report/json.js';
import { guarded, toolResult } from '../results.js';
import { claimOutput, statusOutput } from '../shapes.js';
import { tellThePerson } from '../tell.js';
import { claimMeaning, envFileOf, envInput, prefixInput, type LocalContext } from './context.js';

const envFileInput = { env_file: envInput.env_file };

const statusInput = {
  ...envFileInput,
  ...prefixInput,
  claim_url: z.string().optional().describe("Another database's claim URL (https://…/claim/<id>); default: the env file's."),
};

/** The env file's claim URL, and the API that made it (as the file records it, unless --api-url says otherwise). */
async function databaseOf(ctx: LocalContext, envFile: string, prefix: string | undefined) {
  const { claimUrl, apiUrl: recorded } = await readDatabaseRef(envFile, prefix);
  return { claimUrl, apiUrl: apiUrlForFile(ctx.apiUrl, { recorded, envFile }) };
}

async function status(ctx: LocalContext, args: { env_file?: string; prefix?: string; claim_url?: string }, signal: AbortSignal) {
  const envFile = envFileOf(ctx, args.env_file);
  const given = args.claim_url === undefined ? undefined : { claimUrl: args.claim_url, apiUrl: resolveApiUrl(ctx.apiUrl) };
  const database = given ?? (await databaseOf(ctx, envFile, args.prefix));
  const result = given ? await fetchStatus({ ...given, signal }) : await fetchStatusOf(envFile, ctx.projectDir, { ...database, signal });
  const now = new Date();
  const json = statusJson(result, now, result.expiresAt ? expiryWarnings(result.expiresAt, now) : []);
  const say =
    result.status === 'CLAIMED'
      ? `Database ${result.id} is claimed: it no longer expires, and the person manages it in their account.`
      : `Database ${result.id} is ${result.status}. ${tellThePerson(result.claimUrl, result.expiresAt, claimMeaning(database.apiUrl), now)}`;
  return toolResult(say, json);
}

async function claimUrl(ctx: LocalContext, args: { env_file?: string; prefix?: string }, signal: AbortSignal) {
  const envFile = envFileOf(ctx, args.env_file);
  const { claimUrl: url, apiUrl } = await databaseOf(ctx, envFile, args.prefix);
  const warnings: string[] = [];
  const known = await statusForClaim(envFile, ctx.projectDir, { apiUrl, claimUrl: url, signal }, warnings);
  const json = { ok: true as const, action: 'claim' as const, claimUrl: url, status: known?.status ?? null, expiresAt: known?.expiresAt?.toISOString() ?? null, warnings };
  if (known?.status === 'CLAIMED') return toolResult('This database is already claimed; the person manages it in their account.', json);
  return toolResult(`Give the person this link to open themselves: ${url}. ${claimMeaning(apiUrl)}`, json);
}

/**
 * Registers database_status and claim_url.
 *
 * @example
 * registerStatusTools(server, ctx);
 */
export function registerStatusTools(server: McpServer, ctx: LocalContext): void {
  server.registerTool(
    'database_status',
    {
      title: 'Database status',
      description: "Whether the project's database (from the env file's claim URL, or a given claim_url) is claimed, when it expires and whether the API still serves its connection string. Read-only.",
      inputSchema: statusInput,
      outputSchema: statusOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    guarded((args, extra) => status(ctx, args, extra.signal)),
  );
  server.registerTool(
    'claim_url',
    {
      title: 'Claim link for the person',
      description: "The URL where the person keeps the project's database (from the env file). Give it to them to open: this tool never opens a browser, and only the person can claim.",
      inputSchema: { ...envFileInput, ...prefixInput },
      outputSchema: claimOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
    },
    guarded((args, extra) => claimUrl(ctx, args, extra.signal)),
  );
}
