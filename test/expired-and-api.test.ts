/**
 * A database past its expiry is replaced when the server no longer knows it, kept (with a
 * warning) when the server cannot say; and the block remembers the API that made it, so
 * status, claim and seed ask that server without --api-url.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { instantPostgres } from '../src/index.js';
import { cliEnv, createWith, runCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

/** A port nothing listens on: the API (or a database) is away. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** A project with a database made by get-db, its expiry comment moved into the past. */
async function expiredProject(): Promise<{ cwd: string; id: string; text: string }> {
  const cwd = await tempProject();
  const made = await createWith(api, cwd, ['--json']);
  expect(made.code, made.stderr).toBe(0);
  const path = join(cwd, '.env');
  const text = (await readFile(path, 'utf8')).replace(/^# Claimable DB expires at: .*$/m, '# Claimable DB expires at: Sat, 01 Feb 2025 12:00:00 GMT');
  await writeFile(path, text);
  return { cwd, id: JSON.parse(made.stdout).id as string, text };
}

const gets = () => api.requests.filter((r) => r.method === 'GET').length;

describe('an expired database', () => {
  test('before its expiry: a re-run asks the API nothing', async () => {
    const cwd = await tempProject();
    expect((await createWith(api, cwd)).code).toBe(0);
    const requests = api.requests.length;
    const again = await createWith(api, cwd, ['--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'skipped', reason: 'key-exists' });
    expect(api.requests.length).toBe(requests);
  });

  test('past its expiry and gone: get-db -y replaces it, keeps the old lines as dated comments, and says so', async () => {
    const { cwd, id, text } = await expiredProject();
    api.expire(id);
    const creates = api.createRequests().length;
    const human = await createWith(api, cwd);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toContain('✔ Database ready (the one in .env had expired and is gone; its lines are kept as comments)');
    expect(api.createRequests().length).toBe(creates + 1);
    const now = await readFile(join(cwd, '.env'), 'utf8');
    const day = new Date().toISOString().slice(0, 10);
    const oldUrl = parse(text).DATABASE_URL!;
    expect(now).toContain(`# replaced by get-db on ${day}: DATABASE_URL='${oldUrl}'`);
    expect(parse(now).DATABASE_URL).toBe(api.lastCreated()!.connection_string);

    // --json says why, and a second expired run replaces again only once it is gone.
    const second = await expiredProject();
    api.expire(second.id);
    const json = await createWith(api, second.cwd, ['--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ action: 'created', replaced: true, reason: 'expired' });
  });

  test('past its expiry but still there (claimed): kept, no warning, one short GET', async () => {
    const { cwd, id, text } = await expiredProject();
    api.setStatus(id, 'CLAIMED');
    const before = gets();
    const run = await createWith(api, cwd, ['--json']);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, action: 'skipped', reason: 'key-exists', envFile: join(cwd, '.env'), key: 'DATABASE_URL', warnings: [] });
    expect(gets()).toBe(before + 1);
    expect(await readFile(join(cwd, '.env'), 'utf8')).toBe(text);
  });

  test('past its expiry and the API away: kept, with a warning that gives the expiry; the library says KEY_EXISTS with it', async () => {
    const { cwd, text } = await expiredProject();
    const away = `http://127.0.0.1:${await closedPort()}/api/v1`;
    const path = join(cwd, '.env');
    await writeFile(path, text.replace(/^# get-db: api .*$/m, `# get-db: api ${away}`));
    const creates = api.createRequests().length;
    const run = await createWith(api, cwd, ['--json']);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ action: 'skipped', reason: 'key-exists' });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^The database in .*\.env expired on Sat, 01 Feb 2025 \d\d:\d\d UTC.* by its comment, but whether it still exists could not be checked \(Could not reach 127\.0\.0\.1:\d+: ECONNREFUSED\), so it was left as it is\. If it is gone: npx get-db --force$/);
    expect(api.createRequests().length).toBe(creates);

    await expect(instantPostgres({ referrer: 'expired-test', cwd, apiUrl: api.apiUrl })).rejects.toMatchObject({
      code: 'KEY_EXISTS',
      hint: expect.stringContaining('expired on Sat, 01 Feb 2025'),
    });
  });

  test('instantPostgres replaces an expired, gone one the same way', async () => {
    const { cwd, id } = await expiredProject();
    api.expire(id);
    const result = await instantPostgres({ referrer: 'expired-test', cwd, apiUrl: api.apiUrl });
    expect(result).toMatchObject({ action: 'created', reason: 'expired', id: api.lastCreated()!.id });
    expect(await readFile(join(cwd, '.env'), 'utf8')).toMatch(/^# replaced by get-db on /m);
  });
});

describe('the block remembers its API', () => {
  test('a non-default API is recorded; status and claim without --api-url ask it; the line reads as a comment everywhere', async () => {
    const cwd = await tempProject();
    const { id } = JSON.parse((await createWith(api, cwd, ['--json'])).stdout) as { id: string };
    const text = await readFile(join(cwd, '.env'), 'utf8');
    expect(text.split('\n')[2]).toBe(`# get-db: api ${api.apiUrl}`);

    const status = await runCli(['status', '--json'], { cwd });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ action: 'status', id, status: 'UNCLAIMED' });

    api.setStatus(id, 'CLAIMED');
    const claim = await runCli(['claim', '--no-open'], { cwd });
    expect(claim.code, claim.stderr).toBe(0);
    expect(claim.stderr).toContain(`This database is already claimed on ${new URL(api.apiUrl).host}: it no longer expires, and the connection string in your env file keeps working.`);
    expect(claim.stderr).not.toContain('Neon');
    const claimedStatus = await runCli(['status'], { cwd });
    expect(claimedStatus.stderr).toContain('no longer served by the API (the one in your env file keeps working)');

    // sh, node --env-file and dotenv read the same values around the note.
    const values = parse(text);
    const env = cliEnv();
    const sh = execFileSync('sh', ['-c', 'set -a; . ./.env; set +a; printf %s "$DATABASE_URL|$PUBLIC_INSTAGRES_CLAIM_URL"'], { cwd, env, encoding: 'utf8' });
    const node = execFileSync(process.execPath, ['--env-file=.env', '-e', 'process.stdout.write(`${process.env.DATABASE_URL}|${process.env.PUBLIC_INSTAGRES_CLAIM_URL}`)'], { cwd, env: cliEnv({ NODE_OPTIONS: undefined }), encoding: 'utf8' });
    expect(sh).toBe(`${values.DATABASE_URL}|${values.PUBLIC_INSTAGRES_CLAIM_URL}`);
    expect(node).toBe(sh);
  });

  test('--api-url still wins over the recorded one', async () => {
    const cwd = await tempProject();
    await createWith(api, cwd);
    const away = `http://127.0.0.1:${await closedPort()}/api/v1`;
    const run = await runCli(['status', '--json', '--api-url', away], { cwd });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe('NETWORK');
  });

  test('seed on a database that refuses the connection asks the recorded API, and says it is gone', async () => {
    const cwd = await tempProject();
    const made = JSON.parse((await createWith(api, cwd, ['--json'])).stdout) as { id: string };
    api.expire(made.id);
    const path = join(cwd, '.env');
    const port = await closedPort();
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace(/^DATABASE_URL_DIRECT=.*$/m, `DATABASE_URL_DIRECT='postgresql://u:p@127.0.0.1:${port}/db?sslmode=disable'`));
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\n');
    const run = await runCli(['seed', 'schema.sql', '--json'], { cwd });
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'The database in .env has expired or no longer exists.', hint: 'Create a new one with: npx get-db --force' });
  });
});
