/**
 * A connection pooler between serve and PostgreSQL (PgBouncer in transaction mode, as many
 * managed services put in front). serve cannot work through one: every admin session sets
 * `search_path` (its defence against a tenant's look-alike functions) and `lock_timeout` as
 * startup options, which PgBouncer refuses (or, with `ignore_startup_parameters`, drops
 * unseen), and a SET in SQL would last one transaction there; serve also tells its own
 * sessions apart by their backend pid, which a transaction pooler changes at will. So serve
 * refuses at start, naming the direct address PostgreSQL itself reports.
 */
import type pg from 'pg';
import { GetDbError } from '../../errors.js';
import { openClient } from './admin-session.js';

/** What serve's startup options set (spaces aside) when they took effect. */
const EXPECTED_SEARCH_PATH = 'pg_catalog,pg_temp';

const POOLER_HINT = 'serve needs a session of its own on PostgreSQL: point --postgres-url at the server, not at a pooler in front of it.';

/**
 * PgBouncer's answer to a startup parameter it does not pass on.
 *
 * @example
 * refusedStartupOptions(Object.assign(new Error('unsupported startup parameter: options'), { code: '08P01' })); // true
 */
export function refusedStartupOptions(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === '08P01' && /unsupported startup parameter/i.test(message ?? '');
}

/** The admin URL with PostgreSQL's own address in place of the pooler's, its password hidden. */
async function directUrl(config: pg.ClientConfig, url: string): Promise<string> {
  let client: pg.Client | undefined;
  try {
    client = await openClient({ ...config, options: undefined });
    const { rows } = await client.query<{ host: string | null; port: string }>(
      `SELECT host(inet_server_addr()) AS host, coalesce(inet_server_port()::text, current_setting('port')) AS port`,
    );
    const direct = new URL(url);
    if (rows[0]!.host) direct.hostname = rows[0]!.host.includes(':') ? `[${rows[0]!.host}]` : rows[0]!.host;
    direct.port = rows[0]!.port;
    if (direct.password) direct.password = '…';
    return direct.href.replace('%E2%80%A6', '…');
  } catch {
    return 'the URL of PostgreSQL itself (its host and port, not the pooler\'s)';
  } finally {
    await client?.end().catch(() => {});
  }
}

/**
 * The refusal, naming the direct URL.
 *
 * @example
 * throw await poolerRefusal(config, url, 'it refuses startup options');
 */
export async function poolerRefusal(config: pg.ClientConfig, url: string, why: string): Promise<GetDbError> {
  const where = `${config.host}:${config.port}`;
  return new GetDbError('SERVE_FAILED', `${where} is a connection pooler (${why}): serve cannot run its admin sessions through it.`, {
    hint: `${POOLER_HINT} Use: --postgres-url '${await directUrl(config, url)}'`,
  });
}

/**
 * Rejects a session whose startup options did not take effect (a pooler that dropped them).
 *
 * @example
 * await checkSessionSettings(client, config, url);
 */
export async function checkSessionSettings(client: pg.ClientBase, config: pg.ClientConfig, url: string): Promise<void> {
  const { rows } = await client.query<{ path: string }>(`SELECT current_setting('search_path') AS path`);
  if (rows[0]!.path.replace(/\s+/g, '') !== EXPECTED_SEARCH_PATH) throw await poolerRefusal(config, url, 'the session settings serve sends at connect did not take effect');
}
