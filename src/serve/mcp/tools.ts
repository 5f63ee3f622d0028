/**
 * The MCP tools serve offers at /mcp: those of `get-db mcp` less the env file (a remote
 * client has no file here), on serve's own databases. Creates pass the same gate as the
 * API (queue, rate limit per client address); SQL runs only against this server's own
 * database hosts, with the credentials the client sends, so serve reaches nothing for a
 * client that the client could not reach itself.
 */
import { GetDbError, withDetails } from '../../errors.js';
import { explainSeedFailure, scanSeedFiles } from '../../engine/seed-step.js';
import { holdSqlText } from '../../seed/seed-input.js';
import { guarded, toolResult } from '../../mcp/results.js';
import { runSql } from '../../mcp/run-sql.js';
import { z, type McpServer } from '../../mcp/sdk.js';
import { newMcpServer } from '../../mcp/server.js';
import { createdOutput, seedOutput, seedSqlDescription, sqlInput, sqlOutput, claimOutput, statusOutput } from '../../mcp/shapes.js';
import { sqlSummary } from '../../mcp/sql-summary.js';
import { tellThePerson } from '../../mcp/tell.js';
import type { ServeContext } from '../context.js';
import { createFor } from '../http/create-gate.js';
import { databaseView, endpointOf } from '../http/database-view.js';
import { isUuid } from '../ids.js';
import { findLive } from '../state/store.js';
import { formatTimeLeft } from '../../report/format.js';

export const SERVE_CLAIM_MEANING = 'Claiming keeps it on this server: the expiry and the storage limit go, and the claim page shows its credentials once.';

const connectionInput = { connection_string: z.string().describe('The database\'s connection string, as create_database returned it.') };
const idInput = { database_id: z.string().describe('The id create_database returned.') };

async function seedText(connectionString: string, sql: string, transaction: boolean, signal: AbortSignal) {
  const held = holdSqlText(sql);
  try {
    const { seedDatabase } = await import('../../seed/run.js');
    return await seedDatabase({ connectionString, files: [held.name], transaction, signal });
  } finally {
    held.release();
  }
}

/** Only the hosts this server hands out: serve is no SQL relay to anywhere else. */
function ownDatabase(ctx: ServeContext, connectionString: string): string {
  let host: string | undefined;
  try {
    host = new URL(connectionString).host;
  } catch {
    host = undefined;
  }
  if (host !== undefined && ctx.servers.all.some((server) => server.endpoint.host === host)) return connectionString;
  throw new GetDbError('USAGE', 'This server runs SQL only on the databases it hands out.', { hint: 'Pass the connection_string create_database returned.' });
}

async function liveRecord(ctx: ServeContext, id: string) {
  const record = isUuid(id) ? await findLive(ctx.quickPool, id.toLowerCase()) : undefined;
  if (!record) throw new GetDbError('NOT_FOUND', `There is no database ${id} here.`, { hint: 'Unclaimed databases are deleted when they expire; create a new one with create_database.' });
  return record;
}

/**
 * SQL the seed would refuse is refused before the create, as `get-db --seed` does: it costs no
 * database. The scan made then is what the seed runs (it is read once).
 */
async function create(ctx: ServeContext, client: string, args: { seed_sql?: string; logical_replication?: boolean }, signal: AbortSignal) {
  const held = args.seed_sql === undefined ? undefined : holdSqlText(args.seed_sql);
  try {
    const scan = held && (await scanSeedFiles({ seedFiles: [held.name], seedTransaction: true }, signal));
    const made = await createFor(ctx, client, { referrer: 'mcp', logicalReplication: args.logical_replication ?? false }).catch(async (error: unknown) => {
      await scan?.dispose();
      throw error;
    });
    if (!made.ok) {
      await scan?.dispose();
      throw new GetDbError(made.status === 503 ? 'SERVE_UNAVAILABLE' : 'API_ERROR', made.error, { hint: made.hint, details: { status: made.status, retryAfterSeconds: made.retryAfter } });
    }
    const view = databaseView(made.record, endpointOf(ctx, made.record));
    const databaseUrl = view.connection_string!;
    const seed = async () => (await import('../../seed/run.js')).seedDatabase({ connectionString: databaseUrl, files: [held!.name], transaction: true, signal }, scan);
    const seeded = held === undefined ? null : await seed().catch((error: unknown) => {
      throw withDetails(explainSeedFailure(error, true, { failed: 'Fix the SQL and call seed_database with it.', cancelled: 'Call seed_database to seed it.' }), { databaseId: view.id, claimUrl: view.claim_url, databaseUrl });
    });
    const { warnings, ...seedSummary } = seeded ?? { warnings: [] as string[] };
    const expiresAt = new Date(view.expires_at!);
    const json = { ok: true as const, action: 'created' as const, id: view.id, status: view.status, databaseUrl, databaseUrlDirect: databaseUrl, claimUrl: view.claim_url, expiresAt: view.expires_at!, envFile: null, seed: seeded ? seedSummary : null, warnings };
    return toolResult(`Created a Postgres database; put databaseUrl in the project's env file as DATABASE_URL. ${tellThePerson(view.claim_url, expiresAt, SERVE_CLAIM_MEANING, new Date())}`, json);
  } finally {
    held?.release();
  }
}

async function status(ctx: ServeContext, id: string) {
  const record = await liveRecord(ctx, id);
  const view = databaseView(record, endpointOf(ctx, record));
  const now = new Date();
  const json = {
    ok: true as const,
    action: 'status' as const,
    id: view.id,
    status: view.status,
    expiresAt: view.expires_at,
    timeLeftMs: record.expiresAt ? Math.max(0, record.expiresAt.getTime() - now.getTime()) : null,
    connectionStringServed: view.connection_string !== null,
    claimUrl: view.claim_url,
    warnings: [],
  };
  const say = record.state === 'CLAIMED' ? `Database ${view.id} is claimed: it no longer expires.` : `Database ${view.id} is ${view.status}, ${formatTimeLeft(json.timeLeftMs ?? 0)} left. ${tellThePerson(view.claim_url, record.expiresAt ?? undefined, SERVE_CLAIM_MEANING, now)}`;
  return toolResult(say, json);
}

/** Every tool call is counted (with --metrics) by tool and outcome. */
function counted<A extends unknown[]>(ctx: ServeContext, tool: string, handler: (...args: A) => ReturnType<ReturnType<typeof guarded>>) {
  const safe = guarded(handler);
  return async (...args: A) => {
    const result = await safe(...args);
    ctx.observer.toolCall(tool, result.isError ? 'error' : 'ok');
    return result;
  };
}

function registerDatabaseTools(server: McpServer, ctx: ServeContext, client: string): void {
  server.registerTool(
    'create_database',
    {
      title: 'Create a Postgres database',
      description: `Create a new Postgres database on this server (no account needed) and get its connection string and claim URL; optionally seed it with SQL text. Put the connection string in the project's env file yourself (DATABASE_URL). It is temporary: unclaimed, it is deleted after ${formatTimeLeft(ctx.ttlMs)}; tell the person the claim URL and expiry from the result.`,
      inputSchema: { seed_sql: z.string().optional().describe(seedSqlDescription), logical_replication: z.boolean().optional().describe('Enable logical replication.') },
      outputSchema: createdOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    counted(ctx, 'create_database', (args, extra) => create(ctx, client, args, extra.signal)),
  );
  server.registerTool(
    'database_status',
    {
      title: 'Database status',
      description: 'Whether a database of this server is claimed, when it expires, and its claim URL. Read-only.',
      inputSchema: idInput,
      outputSchema: statusOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    counted(ctx, 'database_status', (args) => status(ctx, args.database_id)),
  );
  server.registerTool(
    'claim_url',
    {
      title: 'Claim link for the person',
      description: 'The URL where the person keeps a database of this server. Give it to them to open; only they can claim it.',
      inputSchema: idInput,
      outputSchema: claimOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    counted(ctx, 'claim_url', async (args) => {
      const record = await liveRecord(ctx, args.database_id);
      const view = databaseView(record, endpointOf(ctx, record));
      const json = { ok: true as const, action: 'claim' as const, claimUrl: view.claim_url, status: view.status, expiresAt: view.expires_at, warnings: [] };
      if (record.state === 'CLAIMED') return toolResult('This database is already claimed.', json);
      return toolResult(`Give the person this link to open themselves: ${view.claim_url}. ${SERVE_CLAIM_MEANING}`, json);
    }),
  );
}

function registerSqlTools(server: McpServer, ctx: ServeContext): void {
  server.registerTool(
    'run_sql',
    {
      title: 'Run SQL',
      description: "Run SQL on a database of this server (its connection_string) and get the last statement's rows as JSON (capped at max_rows; truncated says if there were more), its command tag and row count. read_only: true looks without any risk of changing data. A failure gives the line and column in your SQL.",
      inputSchema: { ...sqlInput, ...connectionInput },
      outputSchema: sqlOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    counted(ctx, 'run_sql', async (args, extra) => {
      const result = await runSql({ connectionString: ownDatabase(ctx, args.connection_string), sql: args.sql, readOnly: args.read_only, maxRows: args.max_rows, signal: extra.signal });
      return toolResult(sqlSummary(result), { ok: true, action: 'sql', ...result });
    }),
  );
  server.registerTool(
    'seed_database',
    {
      title: 'Seed the database',
      description: 'Apply SQL text to a database of this server the way `get-db seed` does: COPY blocks included, in one transaction, checked before anything runs; a failure names sql:line:column and leaves nothing of the seed behind.',
      inputSchema: { sql: z.string().min(1).describe(seedSqlDescription), ...connectionInput, transaction: z.boolean().optional().describe('Default true. false: for statements that cannot run in a transaction.') },
      outputSchema: seedOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    counted(ctx, 'seed_database', async (args, extra) => {
      const summary = await seedText(ownDatabase(ctx, args.connection_string), args.sql, args.transaction ?? true, extra.signal);
      return toolResult(`Seeded: ${summary.statements} statements.`, { ok: true, action: 'seed', ...summary });
    }),
  );
}

const INSTRUCTIONS = 'This server hands out real Postgres databases with no account. create_database returns a connection string: write it into the project\'s env file as DATABASE_URL. run_sql and seed_database work on it. The database is temporary: tell the person its claim URL and expiry, and that they open the claim link themselves.';

/**
 * A server for one /mcp request (stateless: any serve process can answer the next one);
 * `client` is the address creates are rate-limited by.
 *
 * @example
 * const server = serveMcpServer(ctx, clientAddress(req, ctx.trustProxyHops));
 */
export function serveMcpServer(ctx: ServeContext, client: string): McpServer {
  const server = newMcpServer(INSTRUCTIONS);
  registerDatabaseTools(server, ctx, client);
  registerSqlTools(server, ctx);
  return server;
}
