/**
 * The tools' input fields and output schemas, shared by `get-db mcp` and serve's `/mcp`.
 * Outputs are the CLI's `--json` objects, so an agent reads the same fields either way.
 */
import { z } from './sdk.js';
import { DEFAULT_MAX_ROWS } from './run-sql.js';

export const MAX_ROWS_LIMIT = 1000;

const seedSummary = z.object({ statements: z.number(), rowsCopied: z.number(), files: z.number(), durationMs: z.number(), skipped: z.number().describe("Statements of a dump the database cannot run (ownership, grants to roles it lacks…), named in warnings.") });

// Outputs are loose objects: the CLI's JSON may gain fields, and a client must not fail on one.

/**
 * create_database: `get-db --json`'s object; envFile null when no file was written. `skipped`
 * (reason `another-run`): another get-db run wrote a database into the file meanwhile, and
 * that one is the answer (its fields are absent only if its lines cannot be read).
 */
export const createdOutput = z.looseObject({
  ok: z.literal(true),
  action: z.enum(['created', 'resumed', 'skipped']),
  reason: z.string().nullable().optional().describe('created: expired (the one in the file was gone); resumed: seed-pending; skipped: another-run.'),
  id: z.string().optional(),
  status: z.string().optional(),
  databaseUrl: z.string().optional().describe('Pooled connection string: what the app uses.'),
  databaseUrlDirect: z.string().optional().describe('Direct connection string: for migrations, seeds and long sessions.'),
  claimUrl: z.string().optional().describe('The page where the person keeps the database (give it to them).'),
  expiresAt: z.string().optional().describe('ISO time when the database is deleted unless claimed.'),
  envFile: z.string().nullable(),
  key: z.string().optional(),
  keysWritten: z.array(z.string()).optional(),
  replaced: z.boolean().optional(),
  gitignoreAdded: z.string().nullable().optional(),
  seed: seedSummary.nullable().optional(),
  warnings: z.array(z.string()),
});

/** database_status: `get-db status --json`. */
export const statusOutput = z.looseObject({
  ok: z.literal(true),
  action: z.literal('status'),
  id: z.string(),
  status: z.string().describe('UNCLAIMED, CLAIMING or CLAIMED.'),
  expiresAt: z.string().nullable(),
  timeLeftMs: z.number().nullable(),
  connectionStringServed: z.boolean(),
  claimUrl: z.string(),
  warnings: z.array(z.string()),
});

export const claimOutput = z.looseObject({
  ok: z.literal(true),
  action: z.literal('claim'),
  claimUrl: z.string(),
  status: z.string().nullable(),
  expiresAt: z.string().nullable(),
  warnings: z.array(z.string()),
});

export const sqlOutput = z.looseObject({
  ok: z.literal(true),
  action: z.literal('sql'),
  command: z.string().nullable().describe("The last statement's command tag (SELECT, INSERT, CREATE TABLE…)."),
  rowCount: z.number().nullable().describe('Rows the last statement returned or changed.'),
  columns: z.array(z.string()),
  rows: z.array(z.record(z.string(), z.unknown())).describe("The last statement's rows, at most max_rows."),
  truncated: z.boolean().describe('True when more rows were returned than max_rows.'),
  statements: z.number(),
  readOnly: z.boolean(),
});

export const seedOutput = z.looseObject({
  ok: z.literal(true),
  action: z.literal('seed'),
  statements: z.number(),
  rowsCopied: z.number(),
  files: z.number(),
  durationMs: z.number(),
  skipped: z.number(),
  warnings: z.array(z.string()),
});

/** run_sql's fields both faces take. */
export const sqlInput = {
  sql: z.string().min(1).describe('One or more SQL statements, separated by semicolons.'),
  read_only: z.boolean().optional().describe('Run in a READ ONLY transaction that is rolled back: nothing can change. Use it for looking.'),
  max_rows: z.number().int().min(1).max(MAX_ROWS_LIMIT).optional().describe(`Rows returned at most (default ${DEFAULT_MAX_ROWS}); "truncated" says when there were more.`),
};

export const seedSqlDescription = 'SQL text to apply (statements, COPY … FROM stdin blocks), in one transaction: on any error nothing of it remains.';
