/**
 * The `--json` contract: exactly one object on stdout for every outcome. Field names
 * are stable; see README "JSON output".
 */
import { asGetDbError } from '../errors.js';
import type { CreateOutcome } from '../engine/create.js';
import type { DatabaseStatus } from '../engine/status.js';

export function createdJson(outcome: CreateOutcome): Record<string, unknown> {
  if (outcome.action === 'skipped') {
    const db = outcome.database;
    return {
      ok: true,
      action: 'skipped',
      reason: outcome.reason,
      envFile: outcome.envFile,
      key: outcome.key,
      // another-run: the database that run made, so a waiting script has it at once.
      ...(db ? { id: db.id, databaseUrl: db.databaseUrl, databaseUrlDirect: db.databaseUrlDirect, claimUrl: db.claimUrl, expiresAt: db.expiresAt.toISOString() } : {}),
      warnings: outcome.warnings,
    };
  }
  if (outcome.action === 'resumed') {
    return {
      ok: true,
      action: 'resumed',
      reason: outcome.reason,
      id: outcome.id,
      databaseUrl: outcome.databaseUrl,
      databaseUrlDirect: outcome.databaseUrlDirect,
      claimUrl: outcome.claimUrl,
      expiresAt: outcome.expiresAt.toISOString(),
      envFile: outcome.envFile,
      key: outcome.key,
      seed: outcome.seed,
      warnings: outcome.warnings,
    };
  }
  return {
    ok: true,
    action: 'created',
    id: outcome.database.id,
    status: outcome.database.status,
    databaseUrl: outcome.databaseUrl,
    databaseUrlDirect: outcome.databaseUrlDirect,
    claimUrl: outcome.claimUrl,
    expiresAt: outcome.expiresAt.toISOString(),
    envFile: outcome.envFile,
    keysWritten: outcome.keysWritten,
    replaced: outcome.replaced,
    reason: outcome.reason ?? null,
    gitignoreAdded: outcome.gitignoreAdded ?? null,
    seed: outcome.seed ?? null,
    warnings: outcome.warnings,
  };
}

/**
 * `get-db status --json` (and the MCP tool `database_status`).
 *
 * @example
 * out.result(statusJson(await fetchStatus({ apiUrl, claimUrl }), new Date(), []));
 */
export function statusJson(result: DatabaseStatus, now: Date, warnings: string[]): Record<string, unknown> {
  return {
    ok: true,
    action: 'status',
    id: result.id,
    status: result.status,
    expiresAt: result.expiresAt?.toISOString() ?? null,
    timeLeftMs: result.expiresAt ? Math.max(0, result.expiresAt.getTime() - now.getTime()) : null,
    connectionStringServed: result.connectionStringServed,
    claimUrl: result.claimUrl,
    warnings,
  };
}

export function errorJson(failure: unknown): Record<string, unknown> {
  const error = asGetDbError(failure, 'Run again with DEBUG=get-db for details.');
  return {
    error: {
      code: error.code,
      message: error.message,
      hint: error.hint ?? null,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}
