/** A start-time step that failed, with the statement and the fix an operator reads. */

/**
 * @example
 * throw new StepFailed('CREATE DATABASE get_db_serve', 'ALTER ROLE "admin" CREATEDB;', error);
 */
export class StepFailed extends Error {
  constructor(readonly statement: string, readonly fix: string, override readonly cause: unknown) {
    super((cause as Error).message);
  }
}

/**
 * Runs `work`, naming `statement` and its `fix` if it fails.
 *
 * @example
 * await step('CREATE SCHEMA get_db_serve', 'GRANT CREATE ON DATABASE postgres TO "admin";', () => migrateState(client));
 */
export async function step<T>(statement: string, fix: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof StepFailed ? error : new StepFailed(statement, fix, error);
  }
}
