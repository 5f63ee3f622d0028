/**
 * `get-db -y --seed` when the seed does not finish (fails, Ctrl-C): the database is named with
 * its claim URL (human and --json), the env file keeps it with a "seed pending" note, and the
 * same command run again seeds that database instead of skipping over it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runCli, startCli, tempProject } from './helpers/cli.js';
import { countRows } from './helpers/postgres.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { withClient } from './helpers/seed.js';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';

let api: FakeApi;
beforeAll(async () => {
  // Seeds must go through DATABASE_URL_DIRECT: here the pooler host reaches nothing.
  api = await startFakeApi({ postgres: inject('postgres'), directOnly: true });
});
afterAll(() => api.close());

const createCount = () => api.createRequests().length;
const NOTE = /^# get-db: seed pending for DATABASE_URL: schema\.sql \(run the same command again to apply it\)$/m;

function seedCommand(cwd: string, extra: string[] = []) {
  return runCli(['-y', '--api-url', api.apiUrl, '--seed', 'schema.sql', ...extra], { cwd });
}

async function tableExists(url: string, table: string): Promise<boolean> {
  return withClient(pgConfigFromUrl(url), async (client) => (await client.query('select to_regclass($1) as t', [table])).rows[0].t !== null);
}

async function envOf(cwd: string) {
  const text = await readFile(join(cwd, '.env'), 'utf8');
  return { text, vars: parse(text) };
}

describe('a failed seed, then the same command again', () => {
  test('names the database and its claim URL; the re-run seeds that database; a third run skips', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\ninsert into t values (1);\nselect * from missing_table;\n');
    const before = createCount();

    const human = await seedCommand(cwd);
    expect(human.code).toBe(1);
    const db = api.lastCreated()!;
    expect(human.stderr).toContain(`Database ${db.id}; claim it to keep it: ${db.claim_url}`);
    expect(human.stderr).toMatch(/run the same command again/);
    const { text, vars } = await envOf(cwd);
    expect(vars.DATABASE_URL).toBe(db.connection_string);
    expect(text).toMatch(NOTE);
    expect(await tableExists(vars.DATABASE_URL_DIRECT!, 't')).toBe(false);

    // Still broken: the re-run tries the same database again, makes none, and says which one.
    const json = await seedCommand(cwd, ['--json']);
    expect(json.code).toBe(1);
    expect(createCount()).toBe(before + 1);
    const failure = JSON.parse(json.stdout).error;
    expect(failure).toMatchObject({ code: 'SEED_FAILED', details: { databaseId: db.id, claimUrl: db.claim_url, envFile: join(cwd, '.env'), line: 3 } });

    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\ninsert into t values (1), (2);\n');
    const resumed = await seedCommand(cwd, ['--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(createCount()).toBe(before + 1);
    expect(JSON.parse(resumed.stdout)).toEqual({
      ok: true,
      action: 'resumed',
      reason: 'seed-pending',
      id: db.id,
      databaseUrl: db.connection_string,
      databaseUrlDirect: vars.DATABASE_URL_DIRECT,
      claimUrl: db.claim_url,
      // Read back from the "# Claimable DB expires at" comment, which holds whole seconds.
      expiresAt: new Date(Math.floor(Date.parse(db.expires_at) / 1000) * 1000).toISOString(),
      envFile: join(cwd, '.env'),
      key: 'DATABASE_URL',
      seed: { statements: 2, rowsCopied: 0, files: 1, durationMs: expect.any(Number), skipped: 0 },
      warnings: [],
    });
    expect(await countRows(vars.DATABASE_URL_DIRECT!, 't')).toBe(2);
    const after = await envOf(cwd);
    expect(after.text).not.toMatch(/seed pending/);
    expect(after.text).toBe(text.replace(/^# get-db: seed pending.*\n/m, ''));

    // Done: the same command now skips, and says the seed was not applied again.
    const third = await seedCommand(cwd, ['--json']);
    expect(third.code).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ action: 'skipped', warnings: [`--seed was not applied: DATABASE_URL already holds a database. To seed that one: npx get-db seed ${join(cwd, "schema.sql")}`] });
    expect(await countRows(vars.DATABASE_URL_DIRECT!, 't')).toBe(2);
  });

  test('`get-db seed` finishing the job takes the note out too; `get-db -y` without --seed warns while it is there', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), 'select 1/0;\n');
    expect((await seedCommand(cwd)).code).toBe(1);
    const plain = await runCli(['-y', '--json', '--api-url', api.apiUrl], { cwd });
    expect(JSON.parse(plain.stdout).warnings).toEqual([expect.stringMatching(/seed of the database in .*\.env never finished/)]);
    // Another env file and key: the `get-db seed` line names both, or it would seed ./.env's DATABASE_URL.
    await writeFile(join(cwd, 'schema.sql'), 'select 1/0;\n');
    expect((await seedCommand(cwd, ['-e', '.env.db', '-k', 'DB'])).code).toBe(1);
    const other = await runCli(['-y', '--json', '-e', '.env.db', '-k', 'DB', '--api-url', api.apiUrl], { cwd });
    expect(JSON.parse(other.stdout).warnings).toEqual([expect.stringMatching(/or npx get-db seed -e \S+\.env\.db -k DB <file>\.$/)]);
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\n');
    const seeded = await runCli(['seed', 'schema.sql', '--json'], { cwd });
    expect(seeded.code, seeded.stderr).toBe(0);
    // The README's object, warnings included (as every other success object has them).
    expect(JSON.parse(seeded.stdout)).toEqual({ ok: true, action: 'seed', statements: 1, rowsCopied: 0, files: 1, durationMs: expect.any(Number), skipped: 0, warnings: [] });
    expect((await envOf(cwd)).text).not.toMatch(/seed pending/);
  });
});

describe('`get-db seed` says what remains, as a create does', () => {
  test('a failure: nothing of the seed remains (or, with --no-transaction, what does), and what to do', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\n');
    expect((await seedCommand(cwd)).code).toBe(0);
    await writeFile(join(cwd, 'fix.sql'), 'create table u (id int);\nselect 1/0;\n');
    const failed = await runCli(['seed', 'fix.sql', '--json'], { cwd });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).error).toMatchObject({ code: 'SEED_FAILED', hint: 'The seed stopped here: nothing of the seed remains. Fix the file and run the same command again.' });
    const loose = await runCli(['seed', 'fix.sql', '--no-transaction'], { cwd });
    expect(loose.stderr).toMatch(/The seed stopped here: with --no-transaction what earlier batches ran stays in the database/);
    // A file the scan refuses ran not at all, and says so: no "stopped here" on top.
    await writeFile(join(cwd, 'meta.sql'), '\\copy t from data.csv\n');
    const refused = JSON.parse((await runCli(['seed', 'meta.sql', '--json'], { cwd })).stdout).error;
    expect(refused.code).toBe('SEED_UNSUPPORTED');
    expect(refused.hint).not.toMatch(/stopped here/);
    // Nor for a connection that failed: there is no file to fix.
    await writeFile(join(cwd, '.env'), 'DATABASE_URL=postgresql://u:p@127.0.0.1:1/db\n');
    const unreachable = JSON.parse((await runCli(['seed', 'fix.sql', '--json'], { cwd })).stdout).error;
    expect(unreachable).toMatchObject({ code: 'SEED_FAILED', message: expect.stringMatching(/^Could not connect/) });
    expect(unreachable.hint).not.toMatch(/stopped here|Fix the file/);
  });

  test('Ctrl-C: "Cancelled while seeding; nothing of the seed remains." and how to finish, exit 130', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\n');
    expect((await seedCommand(cwd)).code).toBe(0);
    await writeFile(join(cwd, 'slow.sql'), 'create table u (id int);\nselect pg_sleep(30);\n');
    const run = await interruptWhileSeeding(cwd, ['--json'], ['seed', 'slow.sql']);
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout).error).toEqual({ code: 'CANCELLED', message: 'Cancelled while seeding; nothing of the seed remains.', hint: 'Run the same command again to seed it.' });
    expect(await tableExists(parse(await readFile(join(cwd, '.env'), 'utf8')).DATABASE_URL_DIRECT!, 'u')).toBe(false);
  });
});

test('`get-db seed` with only a pooled DATABASE_URL (pasted from the console) seeds through its direct host', async () => {
  const cwd = await tempProject();
  await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\n');
  expect((await seedCommand(cwd)).code).toBe(0);
  const { vars } = await envOf(cwd);
  await writeFile(join(cwd, '.env'), `DATABASE_URL=${vars.DATABASE_URL}\n`);
  await writeFile(join(cwd, 'more.sql'), 'create table u (id int);\n');
  const seeded = await runCli(['seed', 'more.sql', '--json'], { cwd });
  expect(seeded.code, seeded.stderr).toBe(0);
  expect(await tableExists(vars.DATABASE_URL_DIRECT!, 'u')).toBe(true);
});

describe('--no-transaction', () => {
  test('a failure leaves what earlier batches ran, and says so; the note stays for the re-run', async () => {
    const cwd = await tempProject();
    // VACUUM goes alone, so the CREATE before it is a batch of its own, done before the failure.
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\nvacuum t;\nselect 1/0;\n');
    const run = await seedCommand(cwd, ['--no-transaction', '--json']);
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('SEED_FAILED');
    expect(error.hint).toMatch(/with --no-transaction what earlier batches ran stays in the database \(the failing batch is rolled back\), and a re-run starts again from the first statement/);
    const { text, vars } = await envOf(cwd);
    expect(text).toMatch(NOTE);
    expect(await tableExists(vars.DATABASE_URL_DIRECT!, 't')).toBe(true);
  });
});

describe('Ctrl-C during the seed', () => {
  test('exit 130; CANCELLED names the database (JSON and human); the seed is rolled back; the same command finishes it', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\ninsert into t values (1);\nselect pg_sleep(30);\n');
    const before = createCount();

    const json = await interruptWhileSeeding(cwd, ['--json']);
    expect(json.code).toBe(130);
    const db = api.lastCreated()!;
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).error).toMatchObject({
      code: 'CANCELLED',
      message: 'Cancelled while seeding; nothing of the seed remains.',
      details: { databaseId: db.id, claimUrl: db.claim_url, envFile: join(cwd, '.env') },
    });
    const { text, vars } = await envOf(cwd);
    expect(text).toMatch(NOTE);
    expect(await tableExists(vars.DATABASE_URL_DIRECT!, 't')).toBe(false);

    // Ctrl-C again on the re-run: the same database, named in the human text too.
    const human = await interruptWhileSeeding(cwd);
    expect(human.code).toBe(130);
    expect(human.stderr).toContain(`Database ${db.id}; claim it to keep it: ${db.claim_url}`);

    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int);\ninsert into t values (1);\n');
    const finished = await seedCommand(cwd);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toMatch(/Seeded the database already in \.env/);
    expect(createCount()).toBe(before + 1);
    expect(await countRows(vars.DATABASE_URL_DIRECT!, 't')).toBe(1);
  });
});

const SLEEPING = "select pid from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()";

/**
 * Runs the seed command and sends SIGINT once its statements are on the server. The session
 * must be gone from the server soon after: closing the socket alone would leave pg_sleep(30)
 * running there (with its locks) until it ends, so the next run would wait on them.
 */
async function interruptWhileSeeding(cwd: string, extra: string[] = [], command = ['-y', '--api-url', api.apiUrl, '--seed', 'schema.sql']) {
  const admin = pgConfigFromUrl(inject('postgres').adminUrl);
  const sleepers = () => withClient(admin, async (client) => (await client.query(SLEEPING)).rows.map((row) => row.pid as number));
  const run = startCli([...command, ...extra], { cwd });
  let ours: number[] = [];
  for (let i = 0; i < 200 && ours.length === 0; i++) {
    ours = await sleepers();
    if (ours.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(ours, 'the seed never reached the server').not.toEqual([]);
  const interrupted = Date.now();
  run.child.kill('SIGINT');
  const result = await run.done;
  while ((await sleepers()).some((pid) => ours.includes(pid))) {
    expect(Date.now() - interrupted, 'the statement kept running on the server').toBeLessThan(5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return result;
}
