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
