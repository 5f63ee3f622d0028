/** The Instagres API client against a real HTTP server on loopback that speaks the docs' API. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GetDbError } from '../src/errors.js';
import { createDatabase, databaseIdFromClaimUrl, getDatabase } from '../src/provision/api.js';
import { VERSION } from '../src/version.js';
import { expectCode } from './helpers/expect-error.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

/** Runs `work` and returns only the requests it caused. */
async function newRequests(work: () => Promise<unknown>) {
  const before = api.requests.length;
  await work().catch(() => undefined);
  return api.requests.slice(before);
}

const create = (extra: Partial<Parameters<typeof createDatabase>[0]> = {}) =>
  createDatabase({ apiUrl: api.apiUrl, referrer: 'test-suite', ...extra });

describe('create and read', () => {
  test('POST sends the ref (and the replication flag only when asked) and returns the documented fields', async () => {
    const [plain] = await newRequests(async () => {
      const db = await create();
      expect(db).toMatchObject({ status: 'UNCLAIMED', connection_string: expect.stringMatching(/^postgresql:\/\//) });
      expect(db.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(databaseIdFromClaimUrl(db.claim_url)).toBe(db.id);
    });
    expect(plain).toMatchObject({ method: 'POST', path: '/api/v1/database' });
    expect(JSON.parse(plain!.body)).toEqual({ ref: 'test-suite' });
    expect(plain!.headers['content-type']).toBe('application/json');
    expect(plain!.headers['user-agent']).toBe(`get-db/${VERSION} (node ${process.versions.node}; ${process.platform})`);
    const [replicated] = await newRequests(() => create({ logicalReplication: true }));
    expect(JSON.parse(replicated!.body)).toEqual({ ref: 'test-suite', enable_logical_replication: true });
  });

  test('a trailing slash on the API URL is fine', async () => {
    const [request] = await newRequests(() => create({ apiUrl: `${api.apiUrl}/` }));
    expect(request!.path).toBe('/api/v1/database');
  });

  test('GET reads a database; once claimed the connection string is null', async () => {
    const db = await create();
    expect(await getDatabase({ apiUrl: api.apiUrl, id: db.id })).toEqual(db);
    api.setStatus(db.id, 'CLAIMED');
    expect(await getDatabase({ apiUrl: api.apiUrl, id: db.id })).toMatchObject({ status: 'CLAIMED', connection_string: null });
  });

  test('the documented errors: Missing referrer (with hint), Database not found', async () => {
    const missing = await expectCode(create({ referrer: '' }), 'API_ERROR');
    expect(missing.message).toBe('Missing referrer');
    expect(missing.hint).toMatch(/ref/);
    const unknown = await expectCode(getDatabase({ apiUrl: api.apiUrl, id: '01940000-0000-7000-8000-000000000000' }), 'NOT_FOUND');
    expect(unknown.message).toBe('Database not found');
    const malformedId = await newRequests(() => expectCode(getDatabase({ apiUrl: api.apiUrl, id: '../x?y' }), 'NOT_FOUND'));
    expect(malformedId[0]!.path).toBe('/api/v1/database/..%2Fx%3Fy');
  });

  test('other error body shapes keep the server message and hint', async () => {
    api.fail(1, 400, { message: 'Bad ref', hint: 'Use letters' });
    expect(await expectCode(create(), 'API_ERROR')).toMatchObject({ message: 'Bad ref', hint: 'Use letters' });
    api.fail(1, 400, { error: { message: 'Nested', hint: 'Deep hint' } });
    expect(await expectCode(create(), 'API_ERROR')).toMatchObject({ message: 'Nested', hint: 'Deep hint' });
  });

  test('claim URLs: the id is the last path segment', () => {
    expect(databaseIdFromClaimUrl('https://instagres.com/claim/01abc123-def4-5678-9abc-def012345678')).toBe('01abc123-def4-5678-9abc-def012345678');
    expect(databaseIdFromClaimUrl('https://example.com/claim/abc/?x=1')).toBe('abc');
    expect(() => databaseIdFromClaimUrl('not a url')).toThrow(GetDbError);
    expect(() => databaseIdFromClaimUrl('https://example.com/')).toThrow(/claim URL/);
  });
});

describe('unexpected answers', () => {
  test('HTML, malformed JSON and missing fields are "unexpected response (HTTP n)"', async () => {
    api.html(1, 404);
    expect((await expectCode(create(), 'UNEXPECTED_RESPONSE')).message).toMatch(/Unexpected response from 127\.0\.0\.1:\d+ \(HTTP 404\)/);
    api.malformed(1);
    expect((await expectCode(create(), 'UNEXPECTED_RESPONSE')).message).toMatch(/HTTP 201/);
    api.missingFields(1);
    expect((await expectCode(create(), 'UNEXPECTED_RESPONSE')).message).toMatch(/HTTP 201.*connection_string|HTTP 201.*claim_url/);
    api.fail(1, 201, { ...api.lastCreated(), claim_url: 'javascript:alert(1)' });
    expect((await expectCode(create(), 'UNEXPECTED_RESPONSE')).message).toMatch(/claim_url/);
  });
});

describe('retries', () => {
  test('503 and 429 are retried after the Retry-After the server asked for (seconds or a date)', async () => {
    api.fail(1, 503, { error: 'busy' }, { 'retry-after': '1' });
    const until = new Date(Date.now() + 2500).toUTCString();
    api.fail(1, 429, { error: 'slow down' }, { 'retry-after': until });
    const requests = await newRequests(() => create({ retries: 3 }));
    expect(requests).toHaveLength(3);
    expect(api.lastCreated()).toBeDefined();
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(950);
    // An HTTP date names the moment to come back (to the second), not a delay.
    expect(requests[2]!.at).toBeGreaterThanOrEqual(Date.parse(until) - 50);
  });

  test('a Retry-After longer than we wait is reported, not slept through', async () => {
    api.fail(1, 503, { error: 'Maintenance' }, { 'retry-after': '3600' });
    const requests = await newRequests(async () => {
      expect((await expectCode(create({ retries: 3 }), 'API_ERROR')).hint).toMatch(/3600 s/);
    });
    expect(requests).toHaveLength(1);
  });

  test('4xx is never retried; 5xx gives up after the retries', async () => {
    api.fail(3, 400, { error: 'Missing referrer' });
    expect(await newRequests(() => create({ retries: 3 }))).toHaveLength(1);
    api.resetScript();
    api.html(5, 502);
    const requests = await newRequests(() => expectCode(create({ retries: 2 }), 'UNEXPECTED_RESPONSE'));
    expect(requests).toHaveLength(3);
    api.resetScript();
  });

  test("a 5xx the server gives no hint for: the hint says it was the server, on every attempt", async () => {
    api.fail(3, 500, { error: 'Failed to create the database.' });
    const error = await expectCode(create({ retries: 2 }), 'API_ERROR');
    api.resetScript();
    const host = new URL(api.apiUrl).host;
    expect([error.message, error.hint]).toEqual(['Failed to create the database.', `${host} failed (HTTP 500) on all 3 attempts; try again in a minute.`]);
    api.fail(1, 500, { error: 'Failed to create the database.', hint: 'Theirs.' });
    expect((await expectCode(create({ retries: 0 }), 'API_ERROR')).hint).toBe('Theirs.');
    api.resetScript();
  });

  test('reset connections are retried, then reported as a network error', async () => {
    api.reset(1);
    expect(await newRequests(() => create({ retries: 2 }))).toHaveLength(2);
    api.reset(5);
    const requests = await newRequests(() => expectCode(create({ retries: 2 }), 'NETWORK'));
    expect(requests).toHaveLength(3);
    api.resetScript();
  });

  test('a refused connection names the host and hints at the proxy and --api-url', async () => {
    const error = await expectCode(createDatabase({ apiUrl: 'http://127.0.0.1:9/api/v1', referrer: 'x', retries: 0 }), 'NETWORK');
    expect(error.message).toBe('Could not reach 127.0.0.1:9: ECONNREFUSED.');
    expect(error.hint).toMatch(/HTTPS_PROXY.*--api-url/);
  });
});

describe('deadlines and cancelling', () => {
  test('a hung create times out once (a second POST could make a second database)', async () => {
    api.hang(2);
    const requests = await newRequests(async () => {
      expect((await expectCode(create({ timeoutMs: 300, retries: 3 }), 'TIMEOUT')).message).toMatch(/did not answer within 0\.3 s/);
    });
    expect(requests).toHaveLength(1);
    api.resetScript();
  });

  test('a hung read is retried', async () => {
    const db = await create();
    api.hang(1);
    const requests = await newRequests(() => getDatabase({ apiUrl: api.apiUrl, id: db.id, timeoutMs: 300, retries: 1 }));
    expect(requests).toHaveLength(2);
  });

  test('an abort cancels at once: mid-request and mid-backoff', async () => {
    // Upper bounds only: without the signal the request would wait 60 s and the backoff 20 s.
    const cancelledWithin = async (options: Parameters<typeof create>[0], abortAfterMs: number) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), abortAfterMs);
      const started = Date.now();
      await expectCode(create({ ...options, signal: controller.signal }), 'CANCELLED');
      return Date.now() - started;
    };
    api.hang(1);
    expect(await cancelledWithin({ timeoutMs: 60_000 }, 100)).toBeLessThan(5_000);
    api.resetScript();
    api.fail(1, 503, { error: 'busy' }, { 'retry-after': '20' });
    expect(await cancelledWithin({ retries: 3 }, 300)).toBeLessThan(5_000);
    api.resetScript();
    await expectCode(create({ signal: AbortSignal.abort() }), 'CANCELLED');
  });
});

test('VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
