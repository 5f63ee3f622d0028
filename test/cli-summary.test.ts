/**
 * What the human summary says, as a user reads it (snapshots of the built CLI's stderr with
 * the parts that change per run replaced), and an expiry the server gives in the past:
 * said plainly, and warned about in the text and in --json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { expiryLine, seedLine } from '../src/report/human.js';
import { formatCount, formatLocalTime, getDbCommand, shellArg, sourcePath } from '../src/report/format.js';
import { runCli, tempProject } from './helpers/cli.js';
import { randomString, withRandom } from './helpers/random.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

const HOUR = 3600_000;
let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({ postgres: inject('postgres') });
});
afterEach(() => api.expiresIn(72 * HOUR));
afterAll(() => api.close());

/** The run's own values (ports, ids, passwords, hosts, times) as placeholders; the words stay. */
function stable(text: string): string {
  return text
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://API')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/postgresql:\/\/[^\s]+/g, '<url>')
    .replace(/\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2} UTC/g, '<time>')
    .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '<iso>')
    .replace(/\d+h \d+m|\d+h|\d+m|less than a minute/g, '<span>')
    .replace(/\d+(\.\d)? (ms|s)\b/g, '<duration>');
}

async function create(cwd: string, args: string[] = []) {
  return runCli(['-y', '--api-url', api.apiUrl, ...args], { cwd, env: { TZ: 'UTC' } });
}

describe('the create summary', () => {
  test('a fresh database, seeded with one statement', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), 'CREATE TABLE one (id int);\n');
    const run = await create(cwd, ['--seed', 'schema.sql']);
    expect(run.code, run.stderr).toBe(0);
    expect(stable(run.stderr)).toMatchInlineSnapshot(`
      "Checking the seed files…
      Creating your database…
      Writing the env file…
      Seeding…
      ✔ Database ready
        File     .env  DATABASE_URL, DATABASE_URL_DIRECT, PUBLIC_INSTAGRES_CLAIM_URL
        URL      <url>
        Expires  <time> (<span> left)
        Claim    http://API/claim/<id>
        Seeded   1 statement in <duration>

        Connect:  psql "$DATABASE_URL_DIRECT"  (after: set -a; . ./.env; set +a)
        Keep it:  npx get-db claim  (unclaimed, it is deleted when it expires)
      "
    `);
    expect(run.stderr).toMatch(/\(7[01]h \d+m left\)/);
  });

  test('an expiry already past: said plainly, and a warning (also in --json)', async () => {
    api.expiresIn(-2 * HOUR - 5 * 60_000);
    const cwd = await tempProject();
    const run = await create(cwd);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/expired left/);
    expect(run.stderr).toMatch(/expired 2h [45]m ago/);
    expect(stable(run.stderr)).toMatchInlineSnapshot(`
      "Creating your database…
      Writing the env file…
      ▲ The API says this database expired <span> ago (expires_at <iso>): the server's clock or this computer's is off, or its answer is stale.
      ✔ Database ready
        File     .env  DATABASE_URL, DATABASE_URL_DIRECT, PUBLIC_INSTAGRES_CLAIM_URL
        URL      <url>
        Expires  <time>: expired <span> ago, by this computer's clock (the server's clock or answer is off)
        Claim    http://API/claim/<id>

        Connect:  psql "$DATABASE_URL_DIRECT"  (after: set -a; . ./.env; set +a)
        Keep it:  npx get-db claim  (unclaimed, it is deleted when it expires)
      "
    `);
    const json = await runCli(['-y', '--json', '--api-url', api.apiUrl], { cwd: await tempProject() });
    const result = JSON.parse(json.stdout) as { warnings: string[] };
    expect(result.warnings).toEqual([expect.stringMatching(/^The API says this database expired 2h [45]m ago/)]);
  });

  test('another env file: the Connect and Keep-it lines name it, as sh and get-db need it', async () => {
    const cwd = await tempProject();
    const local = await create(cwd, ['-e', '.env.local']);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr).toContain('(after: set -a; . ./.env.local; set +a)');
    expect(local.stderr).toContain('Keep it:  npx get-db claim -e .env.local  (');
    await mkdir(join(cwd, 'app'));
    const outside = await runCli(['-y', '--api-url', api.apiUrl, '-e', "../my $HOME's.env"], { cwd: join(cwd, 'app') });
    expect(outside.code, outside.stderr).toBe(0);
    const quoted = `'${cwd}/my $HOME'\\''s.env'`;
    expect(outside.stderr).toContain(`(after: set -a; . ${quoted}; set +a)`);
    expect(outside.stderr).toContain(`Keep it:  npx get-db claim -e ${quoted}  (`);
  });

  test('status says the same about a past expiry', async () => {
    api.expiresIn(-30 * 60_000);
    const cwd = await tempProject();
    expect((await create(cwd)).code).toBe(0);
    const status = await runCli(['status', '--api-url', api.apiUrl], { cwd, env: { TZ: 'UTC' } });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).toMatch(/▲ The API says this database expired (29|30)m ago/);
    expect(status.stderr).toMatch(/Expires\s+\w{3}, .* UTC: expired (29|30)m ago/);
    const json = JSON.parse((await runCli(['status', '--json', '--api-url', api.apiUrl], { cwd })).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ timeLeftMs: 0, warnings: [expect.stringMatching(/expired (29|30)m ago/)] });
  });
});

describe('formatters', () => {
  test('counts: singular for one, thousands separated', () => {
    const seed = { files: 1, durationMs: 84, skipped: 0 };
    expect(seedLine({ ...seed, statements: 1, rowsCopied: 0 })).toBe('1 statement in 84 ms');
    expect(seedLine({ ...seed, statements: 0, rowsCopied: 0 })).toBe('0 statements in 84 ms');
    expect(seedLine({ ...seed, statements: 2, rowsCopied: 1 })).toBe('2 statements, 1 row copied in 84 ms');
    expect(seedLine({ ...seed, statements: 12_345, rowsCopied: 1_000_000 })).toBe('12,345 statements, 1,000,000 rows copied in 84 ms');
    expect(seedLine({ ...seed, statements: 20, rowsCopied: 0, skipped: 3 })).toBe('20 statements (3 skipped, see above) in 84 ms');
    for (const n of [0, 7, 999, 1000, 65_536, 123_456_789]) expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });

  test('local time without Intl: the same wall clock Date reports, with the UTC offset', () => {
    const date = new Date('2026-02-01T12:34:56Z');
    const offset = -date.getTimezoneOffset();
    const text = formatLocalTime(date);
    expect(text).toMatch(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC([+-]\d{2}:\d{2})?$/);
    expect(text).toContain(`${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`);
    expect(text.endsWith(offset === 0 ? 'UTC' : `${offset > 0 ? '+' : '-'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`)).toBe(true);
  });

  test('shellArg: sh reads back exactly the path, whatever its characters (randomised)', async () => {
    await withRandom((random) => {
      const alphabet = "abc./-_ '\"$`\\!*?~#;&|()<>{}[]%^=+,@:é";
      const paths = Array.from({ length: 300 }, () => randomString(random, alphabet, 1, 12));
      const script = `printf '%s\\0' ${paths.map(shellArg).join(' ')}`;
      const read = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
      expect(read).toEqual(paths);
    });
    expect(sourcePath('/app/.env', '/app')).toBe('./.env');
    expect(getDbCommand('claim', '/app/.env', '/app')).toBe('npx get-db claim');
    expect(getDbCommand('--force', '/app/.env.local', '/app')).toBe('npx get-db --force -e .env.local');
  });

  test('an expiry one minute ahead, exactly now, and one minute past', () => {
    const now = new Date('2026-02-01T12:00:00Z');
    expect(expiryLine(new Date(now.getTime() + 61_000), now)).toMatch(/\(1m left\)$/);
    expect(expiryLine(now, now)).toMatch(/: expired less than a minute ago/);
    expect(expiryLine(new Date(now.getTime() - 61_000), now)).toMatch(/: expired 1m ago/);
  });
});
