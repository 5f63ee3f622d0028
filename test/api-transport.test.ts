/**
 * Requests go out through Node's own HTTP client unless a proxy is set (undici's proxy agent
 * then: test/api-proxy.test.ts). Over https:// (what users meet: instagres.com) the server's
 * certificate is verified; an answer too large to be an API's is refused, not buffered.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDatabase, getDatabase } from '../src/provision/api.js';
import type { GetDbError } from '../src/errors.js';
import { createWith, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
let secure: FakeApi;
beforeAll(async () => {
  [api, secure] = await Promise.all([startFakeApi(), startFakeApi({ tls: true })]);
});
afterAll(async () => {
  await Promise.all([api?.close(), secure?.close()]);
});

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: GetDbError) => error);

test('over https: the certificate is verified (the test CA is trusted), and the create works from the CLI', async () => {
  expect(secure.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
  const db = await createDatabase({ apiUrl: secure.apiUrl, referrer: 'https' });
  expect(await getDatabase({ apiUrl: secure.apiUrl, id: db.id })).toMatchObject({ id: db.id, status: 'UNCLAIMED' });

  const cwd = await tempProject();
  const run = await createWith(secure, cwd, ['--json']);
  expect(run.code, run.stderr).toBe(0);
  expect(parse(await readFile(join(cwd, '.env'), 'utf8')).DATABASE_URL).toBe(secure.lastCreated()!.connection_string);
  expect(secure.requests.at(-1)!.headers['user-agent']).toMatch(/^get-db\/\d+\.\d+\.\d+ \(node \d+\./);
});

test('over https: a server whose certificate this machine does not trust is refused, as a network error, before anything is sent', async () => {
  const cwd = await tempProject();
  const before = secure.requests.length;
  // Without the test CA: the certificate chains to nothing this Node trusts.
  const run = await createWith(secure, cwd, ['--json'], { NODE_EXTRA_CA_CERTS: undefined, GET_DB_HTTP_RETRIES: '0' });
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout).error).toEqual({
    code: 'NETWORK',
    message: expect.stringMatching(/^Could not reach 127\.0\.0\.1:\d+: its certificate is not trusted here \(SELF_SIGNED_CERT_IN_CHAIN\)\.$/),
    hint: "Behind a proxy that inspects TLS, or with a private CA, point NODE_EXTRA_CA_CERTS at that CA's certificate.",
  });
  expect(secure.requests.length).toBe(before);
  expect(existsSync(join(cwd, '.env'))).toBe(false);
});

test('an answer larger than 1 MB is refused as an unexpected response, not read to the end', async () => {
  api.huge(1);
  const error = await failure(createDatabase({ apiUrl: api.apiUrl, referrer: 'huge', retries: 0 }));
  expect(error).toMatchObject({ code: 'UNEXPECTED_RESPONSE', message: expect.stringMatching(/\(HTTP 201\): the body is too large\.$/) });
});
