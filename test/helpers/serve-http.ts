/** Serve tests: the test PostgreSQL as serve's admin server, and the checks users make. */
import { request } from 'node:http';
import pg from 'pg';
import { inject } from 'vitest';
import { pgConfigFromUrl } from '../../src/seed/pg-config.js';
import type { DatabaseView } from '../../src/serve/http/database-view.js';
import { superQuery } from './serve-admin.js';
import { withClient as withConfig } from './seed.js';

/** serve on the test PostgreSQL, handing out Neon-shaped URLs (a -pooler host, TLS). */
export function onTestPostgres(): string[] {
  const { adminUrl, port } = inject('postgres');
  return ['--postgres-url', adminUrl, '--public-host', `ep-serve-a1b2c3d4-pooler.c-2.us-east-2.aws.neon.test:${port}`];
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

export async function createDb(apiUrl: string, body: unknown = { ref: 'serve-test' }): Promise<DatabaseView> {
  const created = await postJson(`${apiUrl}/database`, body);
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body as DatabaseView;
}

export function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  return withConfig(pgConfigFromUrl(url), work);
}

/** undefined when the URL connects; otherwise the server's (or driver's) message. */
export async function connectError(url: string): Promise<string | undefined> {
  try {
    await withClient(url, (client) => client.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** SQL as the test PostgreSQL's superuser. */
export function adminQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  return superQuery<T>(inject('postgres').adminUrl, sql, params);
}

/** Polls until `check` holds (the reaper runs on its own clock). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One HTTP request with headers fetch will not send (Host, Origin): what a browser on
 * another site, or one tricked by DNS rebinding, sends.
 */
export function rawRequest(baseUrl: string, options: { method: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const url = new URL(options.path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
