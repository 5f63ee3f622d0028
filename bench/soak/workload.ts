/**
 * The soak's users: workers that create databases as get-db does (JSON, no Origin), connect
 * as the tenant and write, sometimes hold their sessions open, sometimes claim. A request
 * without an answer in HUNG_MS counts as hung (get-db itself gives up after 15 s).
 */
import pg from 'pg';
import { pgConfigFromUrl } from '../../src/seed/pg-config.js';
import type { DatabaseView } from '../../src/serve/http/database-view.js';
import { sleep } from './cluster.js';
import { countCreate, errorKey, type SoakStats } from './stats.js';

const HUNG_MS = 20_000;
const CLAIM_SHARE = 0.1;
const HOLD_SHARE = 0.3;
const ROWS = 500;

export interface Target {
  apiUrl: string;
  phase: string;
  stopped: boolean;
}

/** The error's cause chain as one word for the tally: a refused or reset connection is serve restarting. */
function networkKey(error: unknown): string {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') return 'refused (serve down)';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'reset (serve stopped mid-request)';
    current = current.cause;
  }
  return `network: ${errorKey(error)}`;
}

/**
 * One create. 503s are tallied by their `reason` (or, from a serve that gives none, their
 * error text), so the report says why a server was full.
 */
export async function create(target: Target, stats: SoakStats, ref = 'soak'): Promise<DatabaseView | undefined> {
  const phase = target.phase;
  try {
    const response = await fetch(`${target.apiUrl}/database`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ref }),
      signal: AbortSignal.timeout(HUNG_MS),
    });
    const body = (await response.json()) as DatabaseView & { error?: string; reason?: string };
    if (response.status === 201) {
      countCreate(stats, phase, '201');
      return body;
    }
    const detail = body.reason ?? (response.status >= 500 ? errorKey(body.error) : undefined);
    countCreate(stats, phase, detail ? `${response.status} ${detail}` : String(response.status));
  } catch (error) {
    countCreate(stats, phase, (error as Error).name === 'TimeoutError' ? 'hung' : networkKey(error));
  }
  return undefined;
}

export async function tenantClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ ...pgConfigFromUrl(url), connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Writes ROWS rows (about 70 KB); the session is handed back open. */
async function write(url: string): Promise<pg.Client> {
  const client = await tenantClient(url);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS soak (id serial PRIMARY KEY, v text); INSERT INTO soak (v) SELECT md5(random()::text) || md5(random()::text) FROM generate_series(1, ${ROWS})`);
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}

async function claim(db: DatabaseView, stats: SoakStats): Promise<void> {
  try {
    const response = await fetch(db.claim_url, { method: 'POST', signal: AbortSignal.timeout(HUNG_MS) });
    await response.arrayBuffer();
    stats.claims.add(String(response.status));
    if (response.status === 200) stats.claimed.push({ id: db.id, name: db.neon_project_id, url: db.connection_string!, rows: ROWS });
  } catch (error) {
    stats.claims.add((error as Error).name === 'TimeoutError' ? 'hung' : networkKey(error));
  }
}

/** What a user does with a new database: connect and write, maybe keep the session a while, maybe claim. */
async function use(db: DatabaseView, stats: SoakStats, recent: string[]): Promise<void> {
  recent.push(db.connection_string!);
  if (recent.length > 50) recent.shift();
  let session: pg.Client | undefined;
  try {
    session = await write(db.connection_string!);
    stats.tenant.add('ok');
  } catch (error) {
    stats.tenant.add(errorKey(error));
    return;
  }
  if (Math.random() < CLAIM_SHARE) await claim(db, stats);
  const hold = Math.random() < HOLD_SHARE ? Math.random() * 20_000 : 0;
  void sleep(hold).then(() => session!.end().catch(() => {}));
}

/**
 * `workers` loops of create → use → a short pause, until `target.stopped`.
 *
 * @example
 * const done = runWorkers(target, stats, 4, recent);
 */
export async function runWorkers(target: Target, stats: SoakStats, workers: number, recent: string[]): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!target.stopped) {
        const db = await create(target, stats);
        if (db) await use(db, stats, recent);
        await sleep(200 + Math.random() * 600);
      }
    }),
  );
}
