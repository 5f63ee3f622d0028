/**
 * GET /metrics: Prometheus text a scraper reads, counting what the API and the reaper did,
 * behind a bearer token when one is set; absent without --metrics. On a PostgreSQL of its
 * own, so the gauges count only this file's databases.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { createDb, eventually, getJson, postJson } from './helpers/serve-http.js';
import { sampleValue, scrape } from './helpers/prometheus.js';

const TOKEN = 'metrics-test-token';
let server: EmbeddedPostgres;
let serve: ServeProcess;

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  serve = await spawnServe(['--postgres-url', server.adminUrl, '--metrics', '--rate-limit', '4/h', '--ttl', '4s', '--sweep-interval', '300ms'], {
    GET_DB_SERVE_METRICS_TOKEN: TOKEN,
  });
});
afterAll(async () => {
  await serve?.stop();
  await server?.stop();
});

test('/metrics counts creates by outcome, latency, claims, reaps, rate limits and live databases', async () => {
  const [kept] = await Promise.all([createDb(serve.apiUrl), createDb(serve.apiUrl), createDb(serve.apiUrl)]);
  expect((await postJson(`${serve.apiUrl}/database`, {})).status).toBe(400);
  expect((await fetch(kept!.claim_url, { method: 'POST' })).status).toBe(200);
  expect((await postJson(`${serve.apiUrl}/database`, { ref: 'x' })).status).toBe(201); // the 4th of 4/h
  expect((await postJson(`${serve.apiUrl}/database`, { ref: 'x' })).status).toBe(429);

  const live = await scrape(serve.baseUrl, TOKEN);
  expect(sampleValue(live, 'get_db_serve_creates_total', { outcome: 'created' })).toBe(4);
  expect(sampleValue(live, 'get_db_serve_creates_total', { outcome: 'invalid' })).toBe(1);
  expect(sampleValue(live, 'get_db_serve_creates_total', { outcome: 'rate_limited' })).toBe(1);
  expect(sampleValue(live, 'get_db_serve_rate_limited_total')).toBe(1);
  expect(sampleValue(live, 'get_db_serve_claims_total')).toBe(1);
  expect(sampleValue(live, 'get_db_serve_create_duration_seconds_count', { source: 'new' })).toBe(4);
  expect(sampleValue(live, 'get_db_serve_create_duration_seconds_bucket', { source: 'new', le: '+Inf' })).toBe(4);
  expect(sampleValue(live, 'get_db_serve_create_duration_seconds_sum', { source: 'new' })).toBeGreaterThan(0);
  const host = new URL(server.adminUrl).host;
  expect(sampleValue(live, 'get_db_serve_databases', { server: host, state: 'UNCLAIMED' })).toBe(3);
  expect(sampleValue(live, 'get_db_serve_databases', { server: host, state: 'CLAIMED' })).toBe(1);

  // The three unclaimed ones expire (4 s) and are reaped; the claimed one stays.
  await eventually(async () => sampleValue(await scrape(serve.baseUrl, TOKEN), 'get_db_serve_reaped_total') === 3, 30_000);
  const after = await scrape(serve.baseUrl, TOKEN);
  expect(sampleValue(after, 'get_db_serve_databases', { server: host, state: 'UNCLAIMED' })).toBe(0);
  expect(sampleValue(after, 'get_db_serve_databases', { server: host, state: 'CLAIMED' })).toBe(1);
  expect((await getJson(`${serve.apiUrl}/database/${kept!.id}`)).body.status).toBe('CLAIMED');
});

test('with a token set, /metrics wants it; without --metrics there is no /metrics', async () => {
  const none = await fetch(`${serve.baseUrl}/metrics`);
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  expect((await fetch(`${serve.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  const plain = await spawnServe(['--postgres-url', server.adminUrl]);
  try {
    expect((await getJson(`${plain.baseUrl}/metrics`)).status).toBe(404);
  } finally {
    await plain.stop();
  }
});
