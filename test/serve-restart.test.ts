/**
 * PostgreSQL restarting under serve, with creates in flight: serve stays up, clients get
 * 503 with a hint while it is down, and it serves again once it is back, with no restart.
 * Uses a private PostgreSQL (the shared test one is never stopped).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { createDb, eventually, getJson, postJson } from './helpers/serve-http.js';

const UNAVAILABLE = { error: 'Service unavailable', hint: expect.stringContaining('try again'), reason: 'postgres_unavailable' };

async function whileDown(serve: ServeProcess, id: string): Promise<void> {
  const create = await postJson(`${serve.apiUrl}/database`, { ref: 'down' });
  expect(create.status).toBe(503);
  expect(create.body).toEqual(UNAVAILABLE);
  expect(create.headers.get('retry-after')).toBe('5');
  expect(await getJson(`${serve.apiUrl}/database/${id}`)).toEqual({ status: 503, body: UNAVAILABLE });
  expect(await getJson(`${serve.baseUrl}/healthz`)).toEqual({ status: 503, body: UNAVAILABLE });
  const page = await fetch(`${serve.baseUrl}/claim/${id}`);
  expect(page.status).toBe(503);
  expect(await page.text()).toContain('Try again shortly');
}

test('PostgreSQL stops mid-create and comes back: 503 with a hint meanwhile, then 201 again, serve never exits', async () => {
  // Not inside a 0700 temp folder: as root, PostgreSQL runs as another user that must reach it.
  const dataDir = join(tmpdir(), `get-db-restart-${randomBytes(4).toString('hex')}`);
  let postgres: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir });
  let serve: ServeProcess | undefined;
  try {
    serve = await spawnServe(['--postgres-url', postgres.adminUrl, '--rate-limit', 'off']);
    let exited = false;
    void serve.exited.then(() => (exited = true));
    const before = await createDb(serve.apiUrl);

    const inFlight = Promise.all(Array.from({ length: 8 }, () => postJson(`${serve!.apiUrl}/database`, { ref: 'in-flight' })));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await postgres.stop();
    for (const answer of await inFlight) {
      if (answer.status === 201) continue; // finished before the stop
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual(UNAVAILABLE);
    }
    await whileDown(serve, before.id);
    expect(exited).toBe(false);

    postgres = await startEmbeddedPostgres({ dataDir, port: postgres.port });
    await eventually(async () => (await postJson(`${serve!.apiUrl}/database`, { ref: 'back' })).status === 201, 15_000);
    expect((await getJson(`${serve.apiUrl}/database/${before.id}`)).body).toMatchObject({ id: before.id, status: 'UNCLAIMED' });
    expect((await getJson(`${serve.baseUrl}/healthz`)).status).toBe(200);
    expect(exited).toBe(false);
    expect(serve.stderr()).not.toMatch(/Unhandled|at .*\.js:\d+/);
  } finally {
    if (serve) expect(await serve.stop()).toBe(0);
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a stop during a long drain ends it between two drops: serve exits at once, and the next start drops the rest', async () => {
  const dataDir = join(tmpdir(), `get-db-drain-${randomBytes(4).toString('hex')}`);
  const postgres: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir });
  const quiet = ['--postgres-url', postgres.adminUrl, '--rate-limit', 'off', '--sweep-interval', '1h'];
  const running: ServeProcess[] = [];
  const start = async (args: string[]) => running[running.push(await spawnServe(args)) - 1]!;
  try {
    // Made by a serve that sweeps only at its start, so they expire together, as a busy day's do.
    const maker = await start([...quiet, '--ttl', '3s']);
    const made = await Promise.all(Array.from({ length: 24 }, () => createDb(maker.apiUrl)));
    expect(await maker.stop()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3_500));

    const drainer = await start(quiet);
    const droppedBy = (serve: ServeProcess) => serve.logs().filter((line) => line.event === 'database_dropped').map((line) => String(line.id));
    await eventually(async () => droppedBy(drainer).length > 0, 30_000);
    expect(await drainer.stop()).toBe(0);
    // Without the stop between drops, it would have dropped all 24 before exiting.
    expect(droppedBy(drainer).length).toBeLessThan(made.length);

    const next = await start(quiet);
    await eventually(async () => droppedBy(drainer).length + droppedBy(next).length === made.length, 60_000);
    expect([...droppedBy(drainer), ...droppedBy(next)].sort()).toEqual(made.map((db) => db.id).sort());
    expect(next.logs().filter((line) => line.event === 'drop_failed')).toEqual([]);
  } finally {
    for (const serve of running) await serve.stop();
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}, 180_000);
