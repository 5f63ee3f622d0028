/**
 * How much disk a PostgreSQL server has left, for the free-disk floor on creates
 * (`--min-free-disk`). No SQL function reports free space, and serve may run on another
 * machine than PostgreSQL, so one of two gauges is chosen per server at start:
 * - `local`: the filesystem of the data directory, read with statfs — with `--embedded`,
 *   or when the admin URL is on this machine (loopback or a socket) and its role may read
 *   `data_directory` (a superuser, or a member of pg_read_all_settings). Exact: it sees WAL,
 *   the NOTIFY queue, the shared catalogs and temporary files too.
 * - `budget`: `--disk-size` (the disk given to that PostgreSQL) less what PostgreSQL says it
 *   uses: every database it may measure (pg_database_size), the shared catalogs, the NOTIFY
 *   queue, and WAL when the role may list it (pg_monitor). From anywhere; blind to what it
 *   may not measure, so give it headroom.
 * Neither: no floor for that server (serve warns at start).
 */
import { statfs } from 'node:fs/promises';
import type { Queryable } from '../state/store.js';
import { INVALID_DATABASE } from './cluster.js';

export type DiskGauge = { kind: 'local'; path: string } | { kind: 'budget'; sizeBytes: number } | { kind: 'none' };

/** The NOTIFY queue's size in bytes (its usage times its capacity: 8 GB unless 17+'s max_notify_queue_pages says otherwise). */
export const NOTIFY_QUEUE_BYTES_SQL = `(pg_notification_queue_usage()
  * coalesce(current_setting('max_notify_queue_pages', true)::float8, 1048576) * current_setting('block_size')::float8)`;

/** Bytes in the shared catalogs (pg_global): role and database settings, comments, ACL dependencies. */
export const SHARED_CATALOG_BYTES_SQL = `(SELECT sum(pg_total_relation_size(oid))::float8 FROM pg_class WHERE relisshared AND relkind = 'r')`;

const LOOPBACK_HOST = /^(localhost|127(\.\d+){3}|::1|\[::1\])$/i;

/**
 * A host name or address of this machine only (localhost, 127.x.x.x, ::1).
 * @example
 * isLoopbackHost('[::1]') // true
 */
export const isLoopbackHost = (host: string) => LOOPBACK_HOST.test(host);

/**
 * Picks the gauge for one server. `dataDir`: the data directory serve started itself (--embedded).
 *
 * @example
 * const gauge = await chooseDiskGauge(client, { host: '127.0.0.1', diskSize: undefined });
 */
export async function chooseDiskGauge(db: Queryable, where: { host: string | undefined; dataDir?: string; diskSize?: number }): Promise<DiskGauge> {
  if (where.dataDir) return { kind: 'local', path: where.dataDir };
  if (where.diskSize !== undefined) return { kind: 'budget', sizeBytes: where.diskSize };
  const onThisMachine = where.host === undefined || where.host.startsWith('/') || isLoopbackHost(where.host);
  if (!onThisMachine) return { kind: 'none' };
  // pg_settings hides data_directory from roles that may not read it, rather than failing.
  const { rows } = await db.query<{ path: string }>(`SELECT setting AS path FROM pg_settings WHERE name = 'data_directory'`);
  const path = rows[0]?.path;
  if (!path || (await freeOnFilesystem(path)) === undefined) return { kind: 'none' };
  return { kind: 'local', path };
}

async function freeOnFilesystem(path: string): Promise<number | undefined> {
  try {
    const stats = await statfs(path);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** WAL's size when the role may list it (superuser, pg_monitor); 0 otherwise. */
async function walBytes(db: Queryable): Promise<number> {
  try {
    const { rows } = await db.query<{ bytes: number }>('SELECT coalesce(sum(size), 0)::float8 AS bytes FROM pg_ls_waldir()');
    return rows[0]!.bytes;
  } catch {
    return 0;
  }
}

/**
 * What PostgreSQL uses of the disk, as far as this role may measure it.
 *
 * @example
 * const bytes = await usedBytes(client);
 */
export async function usedBytes(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ bytes: number }>(
    `SELECT coalesce((SELECT sum(pg_database_size(oid))::float8 FROM pg_database
       WHERE datconnlimit <> ${INVALID_DATABASE} AND (has_database_privilege(oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'USAGE'))), 0)
       + ${SHARED_CATALOG_BYTES_SQL} + ${NOTIFY_QUEUE_BYTES_SQL} AS bytes`,
  );
  return rows[0]!.bytes + (await walBytes(db));
}

/**
 * Free bytes by the gauge, or undefined when there is none (or it cannot be read now).
 * `db` is only used by a budget gauge.
 *
 * @example
 * const free = await freeBytes(gauge, client);
 */
export async function freeBytes(gauge: DiskGauge, db: Queryable): Promise<number | undefined> {
  if (gauge.kind === 'local') return freeOnFilesystem(gauge.path);
  if (gauge.kind === 'budget') return gauge.sizeBytes - (await usedBytes(db));
  return undefined;
}
