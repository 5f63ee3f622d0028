/**
 * A stock-configured PostgreSQL, as a team's own cluster is: PostgreSQL's default settings
 * (max_connections 100, no reserved_connections), a non-superuser admin for serve (CREATEDB
 * CREATEROLE), on the major asked for (18 is the devDependency; others installed on first use).
 */
import { readFileSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/serve/postgres/embedded.js';
import { embeddedPostgresOf, managedAdmin, superQuery } from './serve-admin.js';

export interface StockCluster {
  postgres: EmbeddedPostgres;
  admin: { name: string; url: string };
  major: number;
  /** SQL as its superuser. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
}

/**
 * @example
 * const stock = await startStockCluster(14);
 */
export async function startStockCluster(major: 14 | 15 | 16 | 17 | 18, options: { dataDir?: string; port?: number } = {}): Promise<StockCluster> {
  const postgres = await startEmbeddedPostgres({ ...options, ...(major === 18 ? {} : { packageName: embeddedPostgresOf(major) }) });
  const admin = await managedAdmin(postgres.adminUrl);
  return { postgres, admin, major, query: (sql, params = [], database) => superQuery(postgres.adminUrl, sql, params, database) };
}

/** The state's rows, read as the superuser (serve keeps them in a database of its own for a non-superuser admin). */
export function stateRows<T extends Record<string, unknown>>(stock: StockCluster, sql: string, params: unknown[] = []): Promise<T[]> {
  return stock.query<T>(sql, params, 'get_db_serve');
}

/**
 * Every process of a PostgreSQL (the postmaster and its children), for SIGSTOP/SIGCONT:
 * Linux only (reads /proc).
 *
 * @example
 * for (const pid of postgresPids(stock.postgres.dataDir)) process.kill(pid, 'SIGSTOP');
 */
export function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]) === postmaster;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
  return [postmaster, ...children];
}
