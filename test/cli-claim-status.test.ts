/** `get-db claim` and `get-db status` read the env file and ask the loopback API. */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, startCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

async function projectWithDatabase(extraArgs: string[] = []) {
  const cwd = await tempProject();
  const created = await runCli(['-y', '--json', '--api-url', api.apiUrl, ...extraArgs], { cwd });
  expect(created.code, created.stderr).toBe(0);
  return { cwd, result: JSON.parse(created.stdout) as { id: string; claimUrl: string } };
}

/** A stand-in `xdg-open` on PATH: `open` calls it on Linux; it records the URL it got. */
async function fakeBrowser(dir: string): Promise<{ env: Record<string, string>; opened: () => Promise<string> }> {
  const bin = join(dir, 'fake-bin');
  await mkdir(bin);
  const log = join(dir, 'opened.txt');
  await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${log}'\n`);
  await chmod(join(bin, 'xdg-open'), 0o755);
  return {
    env: { PATH: `${bin}:${process.env.PATH}`, DISPLAY: ':99', CI: undefined as unknown as string, SSH_CONNECTION: undefined as unknown as string },
    opened: async () => {
      for (let i = 0; i < 50; i++) {
        try {
          return await readFile(log, 'utf8');
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return '';
    },
  };
}

describe('get-db claim', () => {
  test('prints the claim URL; --json gives it to scripts; --no-open opens nothing', async () => {
    const { cwd, result } = await projectWithDatabase();
    const human = await runCli(['claim', '--no-open', '--api-url', api.apiUrl], { cwd });
    expect(human.code).toBe(0);
    expect(human.stderr).toContain(result.claimUrl);
    const json = await runCli(['claim', '--json', '--api-url', api.apiUrl], { cwd });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, action: 'claim', claimUrl: result.claimUrl, status: 'UNCLAIMED', opened: false });
  });

  test.runIf(process.platform === 'linux')('opens the URL in the browser where there is a display', async () => {
    const { cwd, result } = await projectWithDatabase();
    const browser = await fakeBrowser(cwd);
    const run = await runCli(['claim', '--api-url', api.apiUrl], { cwd, env: browser.env });
    expect(run.code, run.stderr).toBe(0);
    expect(await browser.opened()).toBe(result.claimUrl);
  });

  test('finds older variable names and other prefixes', async () => {
    const cwd = await tempProject();
    const { result } = await projectWithDatabase();
    await writeFile(join(cwd, '.env'), `NEON_LAUNCHPAD_CLAIM_URL=${result.claimUrl}\n`);
    const run = await runCli(['claim', '--no-open', '--api-url', api.apiUrl], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(result.claimUrl);
  });

  test('refuses a claim URL that is not http(s)', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env'), 'PUBLIC_INSTAGRES_CLAIM_URL=file:///etc/passwd\n');
    const run = await runCli(['claim', '--api-url', api.apiUrl], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not an http\(s\) URL/);
  });

  test('says so when the database is already claimed, or expired', async () => {
    const { cwd, result } = await projectWithDatabase();
    api.setStatus(result.id, 'CLAIMED');
    const claimed = await runCli(['claim', '--api-url', api.apiUrl], { cwd });
    expect(claimed.code).toBe(0);
    expect(claimed.stderr).toMatch(/already claimed/);
    const other = await projectWithDatabase();
    api.expire(other.result.id);
    const expired = await runCli(['claim', '--json', '--api-url', api.apiUrl], { cwd: other.cwd });
    expect(expired.code).toBe(1);
    expect(JSON.parse(expired.stdout).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/expired/) });
  });

  test('the API unreachable: claim still prints the URL from the file, with one warning, exit 0', async () => {
    const { cwd, result } = await projectWithDatabase();
    const run = await runCli(['claim', '--no-open', '--api-url', 'http://127.0.0.1:1/api/v1'], { cwd, env: { GET_DB_HTTP_RETRIES: '0' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("▲ Could not check the database's status (Could not reach 127.0.0.1:1: ECONNREFUSED); the URL is from your env file.\n");
    expect(run.stderr).toContain(`Claim your database here: ${result.claimUrl}`);
    // --json says it too: status null alone does not say why.
    const json = await runCli(['claim', '--json', '--api-url', 'http://127.0.0.1:1/api/v1'], { cwd, env: { GET_DB_HTTP_RETRIES: '0' } });
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, action: 'claim', claimUrl: result.claimUrl, status: null, opened: false, warnings: [expect.stringMatching(/^Could not check the database's status/)] });
  });

  test('an API that hangs: claim gives the URL after one short attempt (not a create’s four 15 s ones), with a warning', async () => {
    const { cwd, result } = await projectWithDatabase();
    api.hang(4);
    const asked = api.requests.length;
    const started = Date.now();
    const run = await runCli(['claim', '--json', '--api-url', api.apiUrl], { cwd });
    api.resetScript();
    expect(Date.now() - started).toBeLessThan(15_000); // one 15 s attempt alone would not fit, four took a minute
    expect(api.requests.length - asked).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, claimUrl: result.claimUrl, status: null, warnings: [expect.stringMatching(/did not answer within 5 s/)] });
  });

  test('a bad -p is refused (exit 2), not silently ignored (claim and status)', async () => {
    const { cwd } = await projectWithDatabase();
    for (const command of ['claim', 'status']) {
      const run = await runCli([command, '-p', 'NO SPACES', '--json', '--api-url', api.apiUrl], { cwd });
      expect(run.code, command).toBe(2);
      expect(JSON.parse(run.stdout).error.code).toBe('INVALID_PREFIX');
    }
  });

  test('an env file without a claim URL is named (claim and status)', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env.local'), 'DATABASE_URL=postgres://mine@host/db\n');
    for (const command of ['claim', 'status']) {
      const run = await runCli([command, '-e', '.env.local', '--json', '--api-url', api.apiUrl], { cwd });
      expect(run.code, command).toBe(1);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'NO_CLAIM_URL', message: `No claim URL found in ${join(cwd, '.env.local')}.` });
    }
  });

  test('no env file: one clear line with a hint, exit 1 (claim and status)', async () => {
    const cwd = await tempProject();
    for (const command of ['claim', 'status']) {
      const run = await runCli([command], { cwd });
      expect(run.code, command).toBe(1);
      expect(run.stderr).toMatch(/no env file/i);
      expect(run.stderr).toMatch(/npx get-db/);
      const json = await runCli([command, '--json'], { cwd });
      expect(json.code, command).toBe(1);
      expect(JSON.parse(json.stdout).error.code).toBe('ENV_READ_FAILED');
    }
  });
});

describe('get-db status', () => {
  test('shows status, time left and whether the connection string is served', async () => {
    const { cwd, result } = await projectWithDatabase();
    const human = await runCli(['status', '--api-url', api.apiUrl], { cwd });
    expect(human.code).toBe(0);
    expect(human.stderr).toMatch(/UNCLAIMED/);
    expect(human.stderr).toMatch(/7[01]h \d+m left/);
    const statusJson = await runCli(['status', '--json', '--api-url', api.apiUrl], { cwd });
    expect(statusJson.code).toBe(0);
    const json = JSON.parse(statusJson.stdout);
    expect(json).toMatchObject({ ok: true, action: 'status', id: result.id, status: 'UNCLAIMED', connectionStringServed: true });
    api.setStatus(result.id, 'CLAIMED');
    const claimedRun = await runCli(['status', '--json', '--api-url', api.apiUrl], { cwd });
    expect(claimedRun.code).toBe(0);
    const after = JSON.parse(claimedRun.stdout);
    expect(after).toMatchObject({ status: 'CLAIMED', connectionStringServed: false });
  });

  test('an expired database: status says so as claim does, with the way to a new one for that env file', async () => {
    const { cwd, result } = await projectWithDatabase(['-e', '.env.local']);
    api.expire(result.id);
    const human = await runCli(['status', '-e', '.env.local', '--api-url', api.apiUrl], { cwd });
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('✖ The database in .env.local has expired or no longer exists.');
    expect(human.stderr).toContain('Create a new one with: npx get-db --force -e .env.local');
    const claim = await runCli(['claim', '-e', '.env.local', '--json', '--api-url', api.apiUrl], { cwd });
    expect(JSON.parse(claim.stdout).error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'The database in .env.local has expired or no longer exists, so it cannot be claimed.',
      hint: 'Create a new one with: npx get-db --force -e .env.local',
    });
  });

  test('refuses a claim URL that is not http(s) without sending it to the API', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env'), 'PUBLIC_INSTAGRES_CLAIM_URL=javascript:alert(1)\n');
    const before = api.requests.length;
    const run = await runCli(['status', '--json', '--api-url', api.apiUrl], { cwd });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'NO_CLAIM_URL', message: expect.stringMatching(/not an http\(s\) URL/) });
    expect(api.requests.length).toBe(before);
  });
});

describe('Ctrl-C while claim or status waits for the API', () => {
  test.each([['status'], ['claim', '--no-open']])('%s: one CANCELLED object under --json, "Cancelled" for people, exit 130', async (...command) => {
    const { cwd } = await projectWithDatabase();
    for (const json of [true, false]) {
      api.hang(1);
      const asked = api.requests.length;
      const run = startCli([...command, ...(json ? ['--json'] : []), '--api-url', api.apiUrl], { cwd });
      for (let i = 0; i < 200 && api.requests.length === asked; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(api.requests.length, 'the request never reached the API').toBeGreaterThan(asked);
      run.child.kill('SIGINT');
      const result = await run.done;
      api.resetScript();
      expect(result.code).toBe(130);
      if (json) expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'CANCELLED', message: 'Cancelled', hint: null } });
      else expect(result.stderr).toMatch(/■ Cancelled/);
    }
  });
});
