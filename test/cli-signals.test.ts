/**
 * Stopping the CLI while it waits for the API, as a person (Ctrl-C: SIGINT) or a CI runner,
 * process manager or `kill` (SIGTERM) does: the work stops cleanly, one "Cancelled", and the
 * exit code shells use for that signal (128 + its number: 130, 143). Nothing is written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCli, tempProject, type RunningCli } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

/** Starts `get-db <args>` against an API that never answers, once its request has arrived. */
async function waitingForApi(args: string[], cwd: string): Promise<RunningCli> {
  api.hang(1);
  const asked = api.requests.length;
  const run = startCli([...args, '--api-url', api.apiUrl], { cwd });
  for (let i = 0; i < 400 && api.requests.length === asked; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(api.requests.length, 'the request never reached the API').toBeGreaterThan(asked);
  return run;
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s', (signal, code) => {
  test(`a create waiting for the API stops with exit ${code}, one CANCELLED, no env file`, async () => {
    const cwd = await tempProject();
    for (const json of [true, false]) {
      const run = await waitingForApi(['-y', ...(json ? ['--json'] : [])], cwd);
      run.child.kill(signal);
      const result = await run.done;
      api.resetScript();
      expect(result.code).toBe(code);
      const message = /^Cancelled before the API answered; .*\.env was not changed\.$/;
      if (json) expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'CANCELLED', message: expect.stringMatching(message), hint: null } });
      else expect(result.stderr).toMatch(new RegExp(`^■ ${message.source.slice(1)}`, 'm'));
      expect(existsSync(join(cwd, '.env'))).toBe(false);
    }
  });

});
