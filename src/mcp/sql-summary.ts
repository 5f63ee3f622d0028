/** run_sql's line for the agent. Pure. */
import type { SqlResult } from './run-sql.js';

/**
 * "SELECT: 3 rows." / "INSERT: 2 rows; 3 statements run." / "SELECT: 100 of 2,000 rows (truncated)."
 *
 * @example
 * sqlSummary({ command: 'SELECT', rowCount: 3, rows: [], columns: [], truncated: false, statements: 1, readOnly: true }); // 'SELECT: 3 rows (read-only, rolled back).'
 */
export function sqlSummary(result: SqlResult): string {
  const rows = result.rowCount === null ? 'done' : result.truncated ? `${result.rows.length} of ${result.rowCount} rows shown (truncated; raise max_rows or add LIMIT)` : `${result.rowCount} rows`;
  const more = result.statements > 1 ? `; ${result.statements} statements run, the last one's result shown` : '';
  return `${result.command ?? 'Nothing to run'}: ${rows}${more}${result.readOnly ? ' (read-only, rolled back)' : ''}.`;
}
