/**
 * Several runs at once on one env file, as turbo, nx or two dev servers start them: real
 * processes (the built CLI and the built library), one create at the loopback API.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliEnv, createWith, startCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

const LIBRARY = resolve(import.meta.dirname, '../dist/index.js');

/** instantPostgres in a process of its own, as a dev script or a test setup calls it. */
function libraryRun(cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `import { instantPostgres } from ${JSON.stringify(LIBRARY)};
const result = await instantPostgres({ referrer: 'parallel-test', apiUrl: ${JSON.stringify(api.apiUrl)} });
console.log(JSON.stringify(result));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const assignments = (text: string, key: string) => text.split(/\r?\n/).filter((line) => line.startsWith(`${key}=`)).length;

describe('runs at once on one env file', () => {
  test('4 get-db -y and 2 library calls in separate processes: one create, one block; the others wait, then report that database', async () => {
    const cwd = await tempProject();
    const creates = api.createRequests().length;
    // The first create takes 3 s, so every other run starts while it holds the file.
    api.delay(1, 3_000);
    const cli = [0, 1, 2, 3].map((i) => startCli(['-y', '--api-url', api.apiUrl, ...(i < 2 ? ['--json'] : [])], { cwd, env: {} }));
    const library = [libraryRun(cwd), libraryRun(cwd)];
    const results = await Promise.all(cli.map((run) => run.done));
    const libraryResults = await Promise.all(library);
    api.resetScript();

    expect(api.createRequests().length - creates).toBe(1);
    const db = api.lastCreated()!;
    for (const result of [...results, ...libraryResults]) expect(result.code, result.stderr).toBe(0);
    const text = await readFile(join(cwd, '.env'), 'utf8');
    expect(assignments(text, 'DATABASE_URL')).toBe(1);
    expect(parse(text).DATABASE_URL).toBe(db.connection_string);
    expect(existsSync(join(cwd, '.env.get-db.lock'))).toBe(false);

    // JSON: one "created"; a waiter says so and carries the database it found.
    const json = results.slice(0, 2).map((result) => JSON.parse(result.stdout) as Record<string, unknown>);
    const library_ = libraryResults.map((result) => JSON.parse(result.stdout) as Record<string, unknown>);
    const all = [...json.map((j) => j.action), ...library_.map((r) => r.action)];
    const humanCreated = results.slice(2).filter((result) => result.stderr.includes('Database ready')).length;
    expect(all.filter((action) => action === 'created').length + humanCreated).toBe(1);
    for (const j of json.filter((j) => j.action === 'skipped')) {
      expect(j).toMatchObject({ reason: 'another-run', id: db.id, databaseUrl: db.connection_string, claimUrl: db.claim_url, envFile: join(cwd, '.env') });
    }
    for (const r of library_) expect(r).toMatchObject({ id: db.id, databaseUrl: db.connection_string, claimUrl: db.claim_url });
    // The human waiters were told, after a second, why nothing happened yet.
    for (const result of results.slice(2).filter((result) => !result.stderr.includes('Database ready'))) {
      expect(result.stderr).toContain('Waiting for another get-db run on this env file to finish');
      expect(result.stderr).toContain('Another get-db run wrote the database into .env while this one waited');
    }
  });

  test('a holder killed with SIGKILL mid-create does not hold up the next run: its lock is taken over at once', async () => {
    const cwd = await tempProject();
    api.hang(1);
    const holder = startCli(['-y', '--api-url', api.apiUrl], { cwd, env: {} });
    const lock = join(cwd, '.env.get-db.lock');
    const until = Date.now() + 20_000;
    while (!existsSync(lock) || (await readFile(lock, 'utf8')) === '') {
      if (Date.now() > until) throw new Error(`no lock file while the create hangs\n${holder.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ pid: holder.child.pid, host: hostname() });
    holder.child.kill('SIGKILL');
    await holder.done.catch(() => undefined);
    expect(existsSync(lock)).toBe(true);
    api.resetScript();

    const next = await createWith(api, cwd, [], {});
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toContain('Waiting for another');
    expect(next.stderr).toContain('Database ready');
    expect(existsSync(lock)).toBe(false);
  });

  test('a lock whose heartbeat stopped (another host) is taken over; a live one makes the run give up after the bound, creating nothing', async () => {
    const cwd = await tempProject();
    const lock = join(cwd, '.env.get-db.lock');
    // Another machine's run on a shared folder, gone a minute ago.
    await writeFile(lock, JSON.stringify({ pid: 1, host: 'another-host', token: 'x' }));
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const taken = await createWith(api, cwd, ['--json'], {});
    expect(taken.code, taken.stderr).toBe(0);
    expect(JSON.parse(taken.stdout).action).toBe('created');

    const other = await tempProject();
    const live = join(other, '.env.get-db.lock');
    // A run in this very process, alive and beating.
    await writeFile(live, JSON.stringify({ pid: process.pid, host: hostname(), token: 'y' }));
    const beat = setInterval(() => void utimes(live, new Date(), new Date()).catch(() => undefined), 500);
    const creates = api.createRequests().length;
    try {
      const gaveUp = await createWith(api, other, ['--json'], { GET_DB_LOCK_WAIT_MS: '1500' });
      expect(gaveUp.code).toBe(1);
      const { error } = JSON.parse(gaveUp.stdout);
      expect(error.code).toBe('ENV_LOCKED');
      expect(error.message).toContain(`pid ${process.pid}`);
      expect(error.message).toContain('Nothing was created');
      expect(error.hint).toContain(live);
      expect(api.createRequests().length).toBe(creates);
      expect(existsSync(join(other, '.env'))).toBe(false);
    } finally {
      clearInterval(beat);
    }
  });
});
