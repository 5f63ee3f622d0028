/**
 * The start-time trial: one create and drop on a throwaway name, through every statement a
 * create and a reap use, so a missing right is named (with its fix) before serve takes a
 * request. The name carries the PostgreSQL session making it (`gdb_trial_<pid>_…`): what a
 * start killed mid-trial leaves is found by that session being gone, and dropped at the
 * next start (and by the sweeper), while another process's trial in progress is left alone.
 */
import { randomBytes } from 'node:crypto';
import { createRoleAndDatabase, databaseSize, dropRoleAndDatabase, grantLogin, type InDatabase } from './cluster.js';
import { endRoleSessions } from './tenant-sessions.js';
import { USERS_GROUP } from '../state/state-schema.js';
import type { Queryable } from '../state/store.js';
import { step, StepFailed } from './step.js';

const TRIAL_PREFIX = 'gdb_trial_';

/**
 * Trial roles and databases whose session is gone (older names, without a pid, count as
 * gone: only a serve from before this rule made them).
 *
 * @example
 * const names = await staleTrials(client);
 */
export async function staleTrials(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT name FROM (SELECT rolname::text AS name FROM pg_roles UNION SELECT datname::text FROM pg_database) n
     WHERE starts_with(name, $1) AND NOT EXISTS (
       SELECT 1 FROM pg_stat_activity WHERE pid = (substring(name FROM '^gdb_trial_(\\d{1,9})_'))::int)
     ORDER BY name`,
    [TRIAL_PREFIX],
  );
  return rows.map((row) => row.name);
}

/**
 * Drops what `staleTrials` finds; returns what it could not drop (with why), to be logged.
 *
 * @example
 * const failures = await dropStaleTrials(client, inDatabase);
 */
export async function dropStaleTrials(db: Queryable, inDatabase: InDatabase): Promise<Array<{ name: string; error: string }>> {
  const failures: Array<{ name: string; error: string }> = [];
  for (const name of await staleTrials(db)) {
    await dropRoleAndDatabase(db, name, inDatabase).catch((error: unknown) => failures.push({ name, error: (error as Error).message }));
  }
  return failures;
}

/**
 * Every statement of a create and a reap, once. Failures name the statement and the fix.
 *
 * @example
 * await trialRun(client, '"admin"', inDatabaseVia(adminConfig));
 */
export async function trialRun(db: Queryable, admin: string, inDatabase: InDatabase): Promise<void> {
  const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const name = `${TRIAL_PREFIX}${rows[0]!.pid}_${randomBytes(6).toString('hex')}`;
  let statement = '';
  const fixes: Array<[RegExp, string]> = [
    [new RegExp(USERS_GROUP), `GRANT ${USERS_GROUP} TO ${admin} WITH ADMIN OPTION; (as the role that made ${USERS_GROUP}, or a superuser)`],
    [/^CREATE ROLE/, `ALTER ROLE ${admin} CREATEROLE;`],
    [/^GRANT/, `the admin role needs ADMIN OPTION on the roles it makes: CREATEROLE gives it (check ALTER ROLE ${admin} CREATEROLE;)`],
    [/^CREATE DATABASE/, `ALTER ROLE ${admin} CREATEDB;`],
  ];
  try {
    await createRoleAndDatabase(db, name, randomBytes(24).toString('base64url'), { connectionLimit: 1, login: false }, (sql) => (statement = sql));
    statement = `ALTER ROLE ${name} LOGIN`; // the warm pool's hand-out
    await grantLogin(db, name);
    statement = `SELECT pg_database_size('${name}')`;
    await databaseSize(db, name);
    statement = `SELECT pg_terminate_backend(…) for role ${name}`;
    await endRoleSessions(db, name);
  } catch (error) {
    const shown = statement.replace(/PASSWORD '[^']*'/, "PASSWORD '…'");
    const fix = fixes.find(([pattern]) => pattern.test((error as Error).message) || pattern.test(statement))?.[1] ?? `ALTER ROLE ${admin} INHERIT CREATEDB CREATEROLE;`;
    throw new StepFailed(shown, fix, error);
  } finally {
    await dropRoleAndDatabase(db, name, inDatabase).catch(() => {});
  }
  await step(`DROP ROLE ${name}`, `ALTER ROLE ${admin} CREATEROLE;`, () => dropRoleAndDatabase(db, name, inDatabase));
}
