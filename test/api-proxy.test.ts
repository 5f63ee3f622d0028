/**
 * HTTP(S)_PROXY and NO_PROXY, through a real proxy on loopback. Its own file: the client
 * reads the proxy settings once per process, as users' shells set them once.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createDatabase } from '../src/provision/api.js';
import { runCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';
import { freePort } from './helpers/postgres.js';

let api: FakeApi;
let proxy: Server;
const tunnels: string[] = [];

/** A forward proxy that only records and tunnels CONNECT, as undici's ProxyAgent uses. */
function startProxy(): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host === 'localhost' ? '127.0.0.1' : host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  api = await startFakeApi();
  proxy = await startProxy();
  process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // Names under .neon.test resolve to loopback in tests (helpers/fake-dns.mjs).
  process.env.NO_PROXY = 'api.neon.test';
});
afterAll(async () => {
  delete process.env.HTTP_PROXY;
  delete process.env.NO_PROXY;
  proxy.closeAllConnections();
  proxy.close();
  await api.close();
});

test('requests go through HTTP_PROXY, and hosts in NO_PROXY bypass it', async () => {
  const port = new URL(api.apiUrl).port;
  await createDatabase({ apiUrl: api.apiUrl, referrer: 'proxied' });
  expect(tunnels).toEqual([`127.0.0.1:${port}`]);
  const before = api.requests.length;
  await createDatabase({ apiUrl: `http://api.neon.test:${port}/api/v1`, referrer: 'direct' });
  expect(tunnels).toHaveLength(1);
  expect(api.requests.length).toBe(before + 1);
});

test('the built CLI (its bundled, trimmed undici) tunnels through HTTP_PROXY too', async () => {
  const before = tunnels.length;
  const run = await runCli(['-y', '--json', '--api-url', api.apiUrl], {
    cwd: await tempProject(),
    env: { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: undefined, no_proxy: undefined },
  });
  expect(run.code, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, action: 'created' });
  expect(tunnels.slice(before)).toEqual([`127.0.0.1:${new URL(api.apiUrl).port}`]);
});

test('a proxy that cannot be reached is named in the error (without its password), not the API host behind it', async () => {
  const dead = await freePort(); // nothing listens there
  const cwd = await tempProject();
  const run = await runCli(['-y', '--json', '--api-url', api.apiUrl], {
    cwd,
    env: { HTTP_PROXY: `http://user:secret@127.0.0.1:${dead}`, NO_PROXY: undefined, no_proxy: undefined, GET_DB_HTTP_RETRIES: '0' },
  });
  expect(run.code).toBe(1);
  const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } };
  expect(error.code).toBe('NETWORK');
  expect(error.message).toBe(`Could not reach the proxy http://127.0.0.1:${dead} (for ${new URL(api.apiUrl).host}): ECONNREFUSED.`);
  expect(error.hint).toMatch(/HTTPS_PROXY \/ HTTP_PROXY: check it is running and reachable, or list the host in NO_PROXY/);
  expect(run.stdout).not.toContain('secret');
  expect(existsSync(join(cwd, '.env'))).toBe(false);
});
