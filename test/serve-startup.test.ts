/**
 * Several servers, at start and when one freezes: the port answers from the moment it
 * opens; a server not answering at start is skipped and used once it answers; one that
 * cannot be used (wrong password) stops the start and frees the port; a frozen server
 * (SIGSTOP) is marked down within seconds, and nothing waits on it. Stock PostgreSQL 18
 * (the state's) and 14 (the second, behind an address the test opens and closes), each
 * with a non-superuser admin.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../src/serve/postgres/embedded.js';
import type { DatabaseView } from '../src/serve/http/database-view.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { createDb, eventually, getJson, postJson, withClient } from './helpers/serve-http.js';
import { postgresPids, startStockCluster, type StockCluster } from './helpers/stock.js';
import { blackHole, forward, type Listening } from './helpers/tcp.js';
import { startPgBouncer } from './helpers/pgbouncer.js';

let first: StockCluster;
let second: StockCluster;
/** The second server's admin URL, at another address. */
const secondAt = (port: number, password?: string) => {
  const url = new URL(second.admin.url);
  url.port = String(port);
  if (password) url.password = password;
  return url.href;
};
const portOf = (db: DatabaseView) => Number(new URL(db.connection_string!).port);
const args = (...more: string[]) => ['--postgres-url', first.admin.url, ...more, '--rate-limit', 'off'];

/** The first answer a POST gets once the port accepts connections (none within 3 s: an error). */
async function firstAnswer(port: number): Promise<{ status: number; retryAfter: string | null; body: any }> {
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/database`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ref: 'early' }),
        signal: AbortSignal.timeout(3_000),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw new Error('the port was open but nothing answered in 3 s');
      await new Promise((resolve) => setTimeout(resolve, 20)); // not listening yet
    }
  }
}

beforeAll(async () => {
  [first, second] = await Promise.all([startStockCluster(18), startStockCluster(14)]);
});
afterAll(async () => {
  await Promise.all([first?.postgres.stop(), second?.postgres.stop()]);
});

test('the port answers from the moment it opens (503 with Retry-After until ready); a server answering nothing at start is skipped', async () => {
  const [port, holePort] = [await freePort(), await freePort()];
  const hole = await blackHole(holePort);
  try {
    const starting = spawnServe([...args('--postgres-url', secondAt(holePort)), '--port', String(port)]);
    const early = await firstAnswer(port);
    expect([early.status, early.retryAfter, early.body.reason]).toEqual([503, '5', 'starting']);
    const serve = await starting;
    try {
      expect(serve.stderr()).toMatch(new RegExp(`PostgreSQL at 127.0.0.1:${holePort} is not answering .*creates skip it until it answers`));
      expect(portOf(await createDb(serve.apiUrl))).toBe(first.postgres.port);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  } finally {
    await hole.close();
  }
});

test('a server that cannot be used (wrong password) stops the start, naming it, and the port is free again', async () => {
  const port = await freePort();
  const refused = await spawnServe([...args('--postgres-url', secondAt(second.postgres.port, 'wrong')), '--port', String(port)]).then(
    async (serve) => (await serve.stop(), 'started'),
    (error: Error) => error.message,
  );
  expect(refused).toMatch(new RegExp(`exited \\(1\\) before listening:[\\s\\S]*Could not prepare PostgreSQL at 127.0.0.1:${second.postgres.port}: password authentication failed`));
  const reuse = createServer();
  await new Promise<void>((resolve, reject) => reuse.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  reuse.close();
});

test.each([
  ['18, PgBouncer refusing startup options', () => first, []],
  ['14, PgBouncer ignoring them', () => second, ['ignore_startup_parameters = options']],
] as const)('behind PgBouncer in transaction mode (PostgreSQL %s): serve refuses to start, naming the direct URL it needs', async (_, cluster, settings) => {
  const { admin, postgres } = cluster();
  const url = new URL(admin.url);
  const bouncer = await startPgBouncer(postgres.port, { [admin.name]: decodeURIComponent(url.password) }, [...settings]);
  try {
    const refused = await spawnServe(['--postgres-url', bouncer.urlFor(admin.name, decodeURIComponent(url.password), 'postgres'), '--rate-limit', 'off']).then(
      async (serve) => (await serve.stop(), 'started'),
      (error: Error) => error.message,
    );
    expect(refused).toMatch(new RegExp(`exited \\(1\\) before listening:[\\s\\S]*127.0.0.1:${bouncer.port} is a connection pooler`));
    expect(refused).toContain(`Use: --postgres-url 'postgresql://${admin.name}:…@127.0.0.1:${postgres.port}/postgres?sslmode=disable'`);
  } finally {
    await bouncer.stop();
  }
});

describe('a second server down at start, then up, then frozen', () => {
  let serve: ServeProcess;
  let proxy: Listening | undefined;
  let proxyPort: number;
  const frozen = new Set<number>();
  /** A process may exit between the listing and the signal (a backend ended, once thawed): that is no error. */
  const send = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  const signal = (cluster: StockCluster, name: 'SIGSTOP' | 'SIGCONT') => {
    if (name === 'SIGCONT') for (const pid of frozen) send(pid, name);
    for (const pid of postgresPids(cluster.postgres.dataDir)) {
      send(pid, name);
      if (name === 'SIGSTOP') frozen.add(pid);
    }
    if (name === 'SIGCONT') frozen.clear();
  };
  /** Resolves with the answer and the seconds it took. */
  const timed = async <T>(work: Promise<T>) => {
    const started = performance.now();
    const answer = await work;
    return { answer, seconds: (performance.now() - started) / 1000 };
  };

  beforeAll(async () => {
    proxyPort = await freePort();
    serve = await spawnServe(args('--postgres-url', secondAt(proxyPort), '--sweep-interval', '1s'));
  });
  afterAll(async () => {
    for (const pid of frozen) send(pid, 'SIGCONT');
    await serve?.stop();
    await proxy?.close();
  });

  test('down at start: skipped, probed, prepared and used once it answers', async () => {
    expect(serve.stderr()).toMatch(new RegExp(`PostgreSQL at 127.0.0.1:${proxyPort} is not answering`));
    expect(portOf(await createDb(serve.apiUrl))).toBe(first.postgres.port);
    proxy = await forward(proxyPort, second.postgres.port);
    await eventually(async () => portOf(await createDb(serve.apiUrl)) === proxyPort);
    await eventually(async () => serve.logs().some((line) => line.event === 'server_up' && line.server === `127.0.0.1:${proxyPort}`)); // stdout may trail
  });

  test.skipIf(process.platform !== 'linux')('frozen (SIGSTOP): marked down within seconds, creates in flight on it answered from the other, the state server frozen answers 503 at once', async () => {
    // Creates on the second wait inside CREATE DATABASE (its template locked), then it freezes.
    await withClient(second.postgres.adminUrl, async (blocker) => {
      await blocker.query('BEGIN');
      await blocker.query('ALTER DATABASE get_db_serve_template RENAME TO get_db_serve_template_held');
      const inFlight = Array.from({ length: 4 }, () => timed(postJson(`${serve.apiUrl}/database`, { ref: 'frozen' })));
      await eventually(async () => (await second.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'get-db serve%'`)).length > 0);
      signal(second, 'SIGSTOP');
      try {
        for (const { answer, seconds } of await Promise.all(inFlight)) {
          expect(answer.status).toBe(201);
          expect(seconds).toBeLessThan(10); // before: past 20 s, and the client gives up at 15
        }
        await eventually(async () => serve.logs().some((line) => line.event === 'server_down' && line.server === `127.0.0.1:${proxyPort}`));
        const meanwhile = await timed(createDb(serve.apiUrl));
        expect([portOf(meanwhile.answer), meanwhile.seconds < 5]).toEqual([first.postgres.port, true]);
      } finally {
        signal(second, 'SIGCONT');
      }
    }).catch(() => {}); // the blocker's session may be one the freeze cut off
    await eventually(async () => serve.logs().filter((line) => line.event === 'server_up').length >= 2);

    signal(first, 'SIGSTOP');
    try {
      const create = await timed(postJson(`${serve.apiUrl}/database`, { ref: 'state-frozen' }));
      expect([create.answer.status, create.seconds < 10]).toEqual([503, true]);
      const read = await timed(getJson(`${serve.baseUrl}/healthz`));
      expect([read.answer.status, read.seconds < 10]).toEqual([503, true]);
    } finally {
      signal(first, 'SIGCONT');
    }
    await eventually(async () => (await postJson(`${serve.apiUrl}/database`, { ref: 'thawed' })).status === 201);
  });
});
