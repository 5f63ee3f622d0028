/**
 * run_sql and seed_database on stdio: on the env file's database (its direct URL, as
 * `get-db seed` uses) or on a connection string the agent gives.
 */
import { resolve } from 'node:path';
import { z, type McpServer } from '../sdk.js';
import { GetDbError } from '../../errors.js';
import { findDatabaseUrl, readProjectEnv } from '../../engine/project-env.js';
import { seedProjectDatabase } from '../../engine/seed-project.js';
import { validateKey } from '../../plan/validate.js';
import { holdSqlText } from '../../seed/seed-input.js';
import { DEFAULT_KEY } from '../../types.js';
import { guarded, toolResult } from '../results.js';
import { runSql } from '../run-sql.js';
import { seedOutput, seedSqlDescription, sqlInput, sqlOutput } from '../shapes.js';
import { sqlSummary } from '../sql-summary.js';
import { envFileOf, envInput, type LocalContext } from './context.js';

const connectionInput = {
  connection_string: z.string().optional().describe("A postgresql:// URL to use instead of the env file's database."),
};

async function urlFor(ctx: LocalContext, args: { connection_string?: string; env_file?: string; key?: string }): Promise<string> {
  if (args.connection_string !== undefined) return args.connection_string;
  return findDatabaseUrl(await readProjectEnv(envFileOf(ctx, args.env_file)), validateKey(args.key ?? DEFAULT_KEY)).url;
}

const seedInput = {
  ...envInput,
  ...connectionInput,
  files: z.array(z.string()).optional().describe('SQL files (.sql, .sql.gz, pg_dump scripts), relative to the project, applied in order.'),
  sql: z.string().optional().describe(`${seedSqlDescription} Applied after files.`),
  transaction: z.boolean().optional().describe('Default true: all of it in one transaction. false: for statements that cannot run in one (CREATE INDEX CONCURRENTLY); a failure then leaves what ran before it.'),
};

type SeedArgs = { [K in keyof typeof seedInput]: z.infer<(typeof seedInput)[K]> };

const FINISH = { failed: 'Fix the SQL and call seed_database again.', cancelled: 'Call seed_database again to seed it.' };

async function seed(ctx: LocalContext, args: SeedArgs, signal: AbortSignal) {
  const files = (args.files ?? []).map((file) => resolve(ctx.projectDir, file));
  if (files.length === 0 && args.sql === undefined) throw new GetDbError('USAGE', 'seed_database needs files or sql.', { hint: 'Pass the SQL as sql, or the files to apply as files.' });
  const held = args.sql === undefined ? undefined : holdSqlText(args.sql);
  if (held) files.push(held.name);
  const transaction = args.transaction ?? true;
  try {
    if (args.connection_string !== undefined) {
      const { seedDatabase } = await import('../../seed/run.js');
      const summary = await seedDatabase({ connectionString: args.connection_string, files, transaction, signal });
      return toolResult(`Seeded: ${summary.statements} statements.`, { ok: true, action: 'seed', ...summary });
    }
    const key = validateKey(args.key ?? DEFAULT_KEY);
    const { summary, warnings } = await seedProjectDatabase({ envFile: envFileOf(ctx, args.env_file), key, files, transaction, signal, finish: FINISH });
    return toolResult(`Seeded the env file's database: ${summary.statements} statements.`, { ok: true, action: 'seed', ...summary, warnings });
  } finally {
    held?.release();
  }
}

/**
 * Registers run_sql and seed_database.
 *
 * @example
 * registerSqlTools(server, ctx);
 */
export function registerSqlTools(server: McpServer, ctx: LocalContext): void {
  server.registerTool(
    'run_sql',
    {
      title: 'Run SQL',
      description:
        "Run SQL on the project's database (the env file's DATABASE_URL_DIRECT) or on a given connection_string, and get the last statement's rows as JSON (capped at max_rows; truncated says if there were more), its command tag and row count. Set read_only: true to look without any risk of changing data. A failure gives the line and column in your SQL and PostgreSQL's message.",
      inputSchema: { ...sqlInput, ...envInput, ...connectionInput },
      outputSchema: sqlOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded(async (args, extra) => {
      const result = await runSql({ connectionString: await urlFor(ctx, args), sql: args.sql, readOnly: args.read_only, maxRows: args.max_rows, signal: extra.signal });
      return toolResult(sqlSummary(result), { ok: true, action: 'sql', ...result });
    }),
  );
  server.registerTool(
    'seed_database',
    {
      title: 'Seed the database',
      description:
        "Apply SQL files or SQL text to the project's database (or a given connection_string) the way `get-db seed` does: pg_dump scripts and COPY blocks included, all in one transaction, checked before anything runs; a failure names file:line:column and leaves nothing of the seed behind.",
      inputSchema: seedInput,
      outputSchema: seedOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    guarded((args, extra) => seed(ctx, args, extra.signal)),
  );
}
