/**
 * The soak's PostgreSQL: a stock cluster (max_connections 100, nothing else raised) of a
 * given major from npm-shipped binaries, a non-superuser admin for serve (CREATEDB
 * CREATEROLE, as managed services give), an immediate stop (what a crash or an OOM kill
 * does: no checkpoint, drops cut short) and a start on the same data.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { pgConfigFromUrl } from '../../src/seed/pg-config.js';
import { freePort, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/serve/postgres/embedded.js';
import { embeddedPostgresOf } from '../../test/helpers/serve-admin.js';

/** What a stock cluster allows; the embedded starter raises it unless told. */
const STOCK_MAX_CONNECTIONS = 100;

export interface SoakCluster {
  major: number;
  superUrl: string;
  /** serve's --postgres-url: a role with CREATEDB CREATEROLE only. */
  adminUrl: string;
  dataDir: string;
  /** SIGQUIT to the postmaster: PostgreSQL's immediate shutdown; then the same data started again. */
  crashAndRestart(downMs: number): Promise<void>;
  /** Runs SQL as the superuser in `database` (default: postgres). */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  stop(): Promise<void>;
}

const packageFor = (major: number) => (major === 18 ? undefined : embeddedPostgresOf(major as 14 | 15 | 16 | 17));

/** Bytes under `dir` (PostgreSQL's own files: the soak runs as root, or as their owner). */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
    } catch {
      // a file PostgreSQL removed meanwhile
    }
  }
  return total;
}

export async function startSoakCluster(major: number): Promise<SoakCluster> {
  const dataDir = join('/tmp', `get-db-soak-${major}-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ packageName: packageFor(major), dataDir, port, maxConnections: STOCK_MAX_CONNECTIONS });
  let postgres: EmbeddedPostgres = await start();
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> => {
    const client = new pg.Client({ ...pgConfigFromUrl(postgres.adminUrl), database, connectionTimeoutMillis: 10_000 });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  };
  const password = randomBytes(12).toString('hex');
  await query(`CREATE ROLE soak_admin LOGIN PASSWORD '${password}' CREATEDB CREATEROLE`);
  const adminUrl = new URL(postgres.adminUrl);
  adminUrl.username = 'soak_admin';
  adminUrl.password = password;
  return {
    major,
    superUrl: postgres.adminUrl,
    adminUrl: adminUrl.href,
    dataDir,
    query,
    async crashAndRestart(downMs) {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      while (isAlive(pid)) await sleep(100);
      await sleep(downMs);
      postgres = await start();
    },
    stop: () => postgres.stop(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
