/**
 * create_database on stdio: `npx get-db -y` as a tool. The same plan and `createIntoEnv`
 * as the CLI, so the env file gets the same key, prefix, comments, lock and .gitignore
 * line; only a key already there is an error (KEY_EXISTS) rather than a silent skip, so
 * the agent learns which database the project already has.
 */
import { resolve } from 'node:path';
import { z, type McpServer } from '../sdk.js';
import { createIntoEnv } from '../../engine/create.js';
import { envKeysFor } from '../../engine/keys.js';
import { makeCreatePlan, resolveApiUrl } from '../../plan/plan.js';
import { displayPath } from '../../report/format.js';
import { createdJson } from '../../report/json.js';
import { holdSqlText } from '../../seed/seed-input.js';
import { guarded, toolResult } from '../results.js';
import { createdOutput, seedSqlDescription } from '../shapes.js';
import { tellThePerson } from '../tell.js';
import { claimMeaning, envInput, prefixInput, type LocalContext } from './context.js';
import { createUnwritten } from './create-unwritten.js';

const input = {
  ...envInput,
  ...prefixInput,
  force: z.boolean().optional().describe('Replace a database the env file already has (its lines stay as comments). Without it, an existing key is KEY_EXISTS and nothing is created.'),
  seed_files: z.array(z.string()).optional().describe('SQL files (.sql, .sql.gz, pg_dump scripts) to apply, relative to the project, in order.'),
  seed_sql: z.string().optional().describe(`${seedSqlDescription} Applied after seed_files.`),
  logical_replication: z.boolean().optional().describe('Enable logical replication (for CDC tools).'),
  write_env_file: z.boolean().optional().describe('Default true. false: only create (and seed) the database and return its URLs; no file is touched.'),
  gitignore: z.boolean().optional().describe('Default true: add an env file git does not ignore to .gitignore.'),
};

type Input = { [K in keyof typeof input]: z.infer<(typeof input)[K]> };

const DESCRIPTION = `Create a new Postgres database (no account or sign-up needed) and write it into the project's env file as \`npx get-db\` does: DATABASE_URL (pooled), DATABASE_URL_DIRECT (direct) and the claim URL, with the expiry as a comment; the env file is added to .gitignore. Optionally seed it from SQL files or SQL text. The database is temporary: tell the person its claim URL and expiry (see the result). If the env file already has the key this fails with KEY_EXISTS and creates nothing: use that database (database_status, run_sql), or pass force: true only if the person wants a new one.`;

async function create(ctx: LocalContext, args: Input, signal: AbortSignal) {
  const held = args.seed_sql === undefined ? undefined : holdSqlText(args.seed_sql);
  try {
    // Paths in the project, as seed_database takes them: '-' is a file here, never the protocol's stdin.
    const seedFiles = (args.seed_files ?? []).map((file) => resolve(ctx.projectDir, file));
    if (args.write_env_file === false) return await createUnwritten(ctx, { ...args, seedFiles, held: held?.name }, signal);
    const plan = await makeCreatePlan({
      cwd: ctx.projectDir,
      apiUrl: ctx.apiUrl,
      logicalReplication: args.logical_replication ?? false,
      envFile: args.env_file,
      key: args.key,
      prefix: args.prefix,
      seedFiles,
      ifKeyExists: args.force ? 'replace' : 'error',
      gitignore: args.gitignore ?? true,
    });
    if (held) plan.seedFiles.push(held.name);
    const outcome = await createIntoEnv(plan, { signal });
    const json = { ...createdJson(outcome), envFile: plan.envFile };
    const where = `${envKeysFor(plan.key, plan.prefix).join(', ')} are in ${displayPath(plan.envFile, ctx.projectDir)}`;
    // Only another get-db run, writing the key while this one waited, makes a create that errors on an existing key skip.
    const made = outcome.action === 'skipped' ? outcome.database : outcome;
    const what = { created: 'Created a Postgres database', resumed: 'Seeded the database already in the env file (its earlier seed had not finished)', skipped: 'Another get-db run wrote a database into the env file meanwhile; it is the one to use' }[outcome.action];
    const tell = made ? ` ${tellThePerson(made.claimUrl, made.expiresAt, claimMeaning(plan.apiUrl), new Date())}` : '';
    return toolResult(`${what}; ${where}.${tell}`, json);
  } finally {
    held?.release();
  }
}

/**
 * Registers create_database.
 *
 * @example
 * registerCreate(server, { projectDir: process.cwd(), apiUrl: undefined });
 */
export function registerCreate(server: McpServer, ctx: LocalContext): void {
  server.registerTool(
    'create_database',
    {
      title: 'Create a Postgres database',
      description: DESCRIPTION,
      inputSchema: input,
      outputSchema: createdOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    guarded(async (args, extra) => {
      resolveApiUrl(ctx.apiUrl); // a bad --api-url or INSTAGRES_API_URL is said before anything else
      return create(ctx, args, extra.signal);
    }),
  );
}
