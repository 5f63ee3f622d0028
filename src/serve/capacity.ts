/**
 * What caps creates, and the 503 each cap answers with: a count of live databases per
 * server (`--max-databases`), a free-disk floor per server (`--min-free-disk`, read as
 * disk.ts says), and PostgreSQL having no connection slot left for serve. Connections do
 * not cap how many databases exist: an idle database holds none. Pure but for the server
 * objects it reads; the operator's tools and the soak use it too.
 */
import { GetDbError, isGetDbError } from '../errors.js';
import type { Server } from './postgres/servers.js';

/** Why a full server refuses a create (the `reason` of its 503). */
export type FullReason = 'max_databases' | 'disk' | 'connections';

/** A server full for hours (until databases expire) tells get-db's client to stop retrying at once (it waits at most 30 s). */
const FULL_FOR_LONG_RETRY_S = 300;
/** Connection slots free up as tenants disconnect. */
const SLOTS_RETRY_S = 5;

const MB = 1024 * 1024;
const megabytes = (bytes: number) => `${Math.max(0, Math.floor(bytes / MB))} MB`;

/**
 * The refusal: a SERVE_UNAVAILABLE GetDbError (HTTP 503) whose details say why and how
 * long to wait.
 */
function full(reason: FullReason, message: string, hint: string, facts: Record<string, unknown> = {}): GetDbError {
  const retryAfterSeconds = reason === 'connections' ? SLOTS_RETRY_S : FULL_FOR_LONG_RETRY_S;
  return new GetDbError('SERVE_UNAVAILABLE', message, { hint, details: { reason, retryAfterSeconds, ...facts } });
}

/**
 * Why `error` is a full server's refusal, or undefined for any other error.
 *
 * @example
 * const refusal = fullRefusal(error); // { reason: 'disk', retryAfterSeconds: 300, … }
 */
export function fullRefusal(error: unknown): ({ reason: FullReason; retryAfterSeconds: number } & Record<string, unknown>) | undefined {
  if (!isGetDbError(error) || error.code !== 'SERVE_UNAVAILABLE' || typeof error.details?.reason !== 'string') return undefined;
  return error.details as { reason: FullReason; retryAfterSeconds: number };
}

/**
 * Every server that would take the create holds its `--max-databases`.
 *
 * @example
 * throw atMaxDatabases(servers.healthy());
 */
export function atMaxDatabases(servers: Server[]): GetDbError {
  const max = servers.reduce((sum, server) => sum + server.limits.maxDatabases, 0);
  return full('max_databases', `This server holds its maximum of ${max} databases (--max-databases).`, 'Unclaimed databases expire and free their place; try again later.', { maxDatabases: max });
}

/**
 * True when the server has room on disk for one more create: no gauge, or its free space
 * less the create's cost stays at or over its floor.
 *
 * @example
 * const roomy = servers.healthy().filter(roomOnDisk);
 */
export function roomOnDisk(server: Server): boolean {
  const free = server.disk.freeBytes;
  return free === undefined || free - server.disk.createBytes >= server.limits.minFreeDiskBytes;
}

/**
 * A create is under way on the server: its free space counts it until the next reading.
 *
 * @example
 * takeDisk(server);
 */
export function takeDisk(server: Server): void {
  if (server.disk.freeBytes !== undefined) server.disk.freeBytes -= server.disk.createBytes;
}

/**
 * Every server that would take the create is under its free-disk floor.
 *
 * @example
 * throw underDiskFloor(servers.healthy());
 */
export function underDiskFloor(servers: Server[]): GetDbError {
  const where = servers.map((server) => `${server.key} has ${megabytes(server.disk.freeBytes ?? 0)} free`).join(', ');
  const floor = megabytes(servers[0]?.limits.minFreeDiskBytes ?? 0);
  return full('disk', `This server is low on disk: ${where}, under the ${floor} floor (--min-free-disk).`, 'Free disk on the PostgreSQL server, or drop databases; try again later.', {
    freeBytes: Object.fromEntries(servers.map((server) => [server.key, server.disk.freeBytes])),
  });
}

/** PostgreSQL refused serve a session: every slot is taken (by tenants, most likely). */
const NO_SLOT_CODES = new Set(['53300']);

/**
 * The refusal for an error that says PostgreSQL has no connection slot left, else undefined.
 *
 * @example
 * throw noSlotLeft(error, server.key) ?? error;
 */
export function noSlotLeft(error: unknown, serverKey: string): GetDbError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !NO_SLOT_CODES.has(code)) return undefined;
  return full('connections', `PostgreSQL at ${serverKey} has no connection slot left for get-db serve.`, `Tenants hold the server's connections; try again in ${SLOTS_RETRY_S} s.`, { server: serverKey });
}
