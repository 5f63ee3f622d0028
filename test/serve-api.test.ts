/** get-db serve speaks the docs' API field for field and error for error, and refuses bad traffic. */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { adminQuery, createDb, eventually, getJson, onTestPostgres, postJson, rawRequest } from './helpers/serve-http.js';

let serve: ServeProcess;
beforeAll(async () => {
  serve = await spawnServe([...onTestPostgres(), '--rate-limit', 'off', '--ttl', '2h']);
});
afterAll(async () => {
  await serve.stop();
});

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the documented API', () => {
  test('create answers every documented field; GET returns the same schema', async () => {
    const before = Date.now();
    const created = await postJson(`${serve.apiUrl}/database`, { ref: 'api-test', enable_logical_replication: true });
    expect(created.status).toBe(201);
    const db = created.body;
    expect(Object.keys(db).sort()).toEqual(['claim_url', 'connection_string', 'created_at', 'expires_at', 'id', 'neon_project_id', 'status', 'updated_at']);
    expect(db).toMatchObject({ status: 'UNCLAIMED', claim_url: `${serve.baseUrl}/claim/${db.id}` });
    expect(db.id).toMatch(UUID_V7);
    expect(db.connection_string).toMatch(/^postgresql:\/\/gdb_[0-9a-f]+:[\w-]+@ep-serve-a1b2c3d4-pooler\.[^/]+\/gdb_[0-9a-f]+\?sslmode=require$/);
    const ttl = Date.parse(db.expires_at) - Date.parse(db.created_at);
    expect(ttl).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(2 * 3600_000 + 60_000);
    expect(Date.parse(db.created_at)).toBeGreaterThan(before - 60_000);
    expect(await getJson(`${serve.apiUrl}/database/${db.id}`)).toEqual({ status: 200, body: db });
    expect((await getJson(`${serve.apiUrl}/database/${db.id.toUpperCase()}`)).body.id).toBe(db.id);
  });

  test.each([
    ['no ref', {}],
    ['an empty ref', { ref: '' }],
    ['a blank ref', { ref: '   ' }],
    ['a null ref', { ref: null }],
  ])('%s: 400 "Missing referrer" with a hint', async (_, body) => {
    const answer = await postJson(`${serve.apiUrl}/database`, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'Missing referrer', hint: expect.stringContaining('"ref"') });
  });

  test.each([
    ['invalid JSON', '{"ref": '],
    ['a JSON array', '["ref"]'],
    ['a number ref', { ref: 42 }],
    ['an object ref', { ref: { name: 'x' } }],
    ['a string flag', { ref: 'x', enable_logical_replication: 'yes' }],
    ['an over-long ref', { ref: 'x'.repeat(201) }],
  ])('%s: 500 "Failed to create the database."', async (_, body) => {
    const answer = await postJson(`${serve.apiUrl}/database`, body);
    expect(answer.status).toBe(500);
    expect(answer.body.error).toBe('Failed to create the database.');
  });

  test.each([
    ['unknown', '01234567-89ab-7def-8123-456789abcdef'],
    ['malformed', 'not-an-id'],
    ['an injection attempt', "1'%20or%20'1'='1"],
    ['a bad escape', '%E0%A4%A'],
  ])('GET with an %s id: 400 "Database not found"', async (_, id) => {
    expect(await getJson(`${serve.apiUrl}/database/${id}`)).toEqual({ status: 400, body: { error: 'Database not found' } });
  });
});

describe('bad traffic', () => {
  test('a body over 16 KiB is refused with 413 before it is read whole', async () => {
    const answer = await postJson(`${serve.apiUrl}/database`, { ref: 'x', padding: 'y'.repeat(20_000) });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: 'Request body too large' });
  });

  test('unknown paths are 404 and wrong methods 405, in JSON', async () => {
    expect((await getJson(`${serve.baseUrl}/api/v2/database`)).status).toBe(404);
    const wrong = await fetch(`${serve.apiUrl}/database`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await getJson(`${serve.baseUrl}/healthz`)).toEqual({ status: 200, body: { ok: true } });
  });

  test('the claim page of an unknown or malformed id is a 404 page', async () => {
    for (const id of ['01234567-89ab-7def-8123-456789abcdef', '<script>']) {
      const page = await fetch(`${serve.baseUrl}/claim/${encodeURIComponent(id)}`);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await page.text()).not.toContain('<script>');
    }
  });

  test('creates per client address are rate-limited, with Retry-After; reads are not', async () => {
    // A serve of its own: the allowance it uses up is this loopback client's, in a state every serve here shares.
    const limited3 = await spawnServe([...onTestPostgres(), '--rate-limit', '3/h']);
    try {
      const me = { 'x-forwarded-for': '203.0.113.7' }; // ignored: --trust-proxy is off
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await postJson(`${limited3.apiUrl}/database`, { ref: 'rate' }, me));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(3);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const limited = answers.find((a) => a.status === 429)!;
      expect(limited.body).toEqual({ error: 'Too many requests', hint: expect.stringContaining('3 databases') });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
      expect((await getJson(`${limited3.apiUrl}/database/01234567-89ab-7def-8123-456789abcdef`)).status).toBe(400); // reads are not limited
    } finally {
      await limited3.stop();
    }
  });

  test('behind a proxy (--trust-proxy) each client has its own allowance, and what a client writes into X-Forwarded-For does not dodge it', async () => {
    const proxied = await spawnServe([...onTestPostgres(), '--rate-limit', '1/h', '--trust-proxy']);
    try {
      // The load balancer appends the address it saw; anything left of it the client wrote.
      const create = (forged: string, client: string) => postJson(`${proxied.apiUrl}/database`, { ref: 'proxy' }, { 'x-forwarded-for': `${forged}, ${client}` });
      expect((await create('203.0.113.1', '198.51.100.1')).status).toBe(201);
      expect((await create('203.0.113.2', '198.51.100.1')).status).toBe(429);
      expect((await create('203.0.113.3', '198.51.100.2')).status).toBe(201);
      const logged = () => proxied.logs().filter((line) => line.event === 'request' && line.method === 'POST').map((line) => line.client);
      await eventually(async () => logged().length === 3, 5_000); // the line is written after the answer
      expect(logged()).toEqual(['198.51.100.1', '198.51.100.1', '198.51.100.2']);
    } finally {
      await proxied.stop();
    }
  });

  test('--trust-proxy 2: the client is two hops from the right (CDN, then load balancer)', async () => {
    const proxied = await spawnServe([...onTestPostgres(), '--rate-limit', '1/h', '--trust-proxy', '2']);
    try {
      const create = (forged: string, client: string) =>
        postJson(`${proxied.apiUrl}/database`, { ref: 'proxy' }, { 'x-forwarded-for': `${forged}, ${client}, 10.0.0.1` });
      expect((await create('203.0.113.1', '198.51.100.7')).status).toBe(201);
      expect((await create('203.0.113.2', '198.51.100.7')).status).toBe(429);
      expect((await create('198.51.100.7', '198.51.100.8')).status).toBe(201);
    } finally {
      await proxied.stop();
    }
  });

  test('listening beyond loopback while handing out loopback addresses is warned about', async () => {
    const wide = await spawnServe(['--postgres-url', inject('postgres').adminUrl, '--host', '0.0.0.0']);
    try {
      expect(wide.stderr()).toContain('pass --public-url');
      expect(wide.stderr()).toContain('Connection strings name 127.0.0.1');
    } finally {
      await wide.stop();
    }
  });
});

describe('browsers on other sites', () => {
  const databases = async () => (await adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM get_db_serve.databases'))[0]!.n;
  const create = (headers: Record<string, string>) => rawRequest(serve.baseUrl, { method: 'POST', path: '/api/v1/database', headers, body: '{"ref": "page"}' });

  test('a page on another site cannot create: a text/plain or form POST (no preflight) is refused and makes nothing', async () => {
    const before = await databases();
    const evil = { origin: 'https://evil.example' };
    expect((await create({ ...evil, 'content-type': 'text/plain' })).status).toBe(403);
    expect((await create({ ...evil, 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(403);
    expect((await create({ 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' })).status).toBe(403);
    const plain = await create({ 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(JSON.parse(plain.body)).toEqual({ error: 'Unsupported media type', hint: expect.stringContaining('application/json') });
    expect(await databases()).toBe(before);
    // No CORS: the preflight a JSON fetch from another site needs is never approved.
    const preflight = await rawRequest(serve.baseUrl, { method: 'OPTIONS', path: '/api/v1/database', headers: { ...evil, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(405);
  });

  test('DNS rebinding: a Host this server is not known by is refused on every route, and claims nothing', async () => {
    const db = await createDb(serve.apiUrl);
    const rebound = { host: `rebind.evil.example:${new URL(serve.baseUrl).port}` };
    for (const [method, path] of [
      ['GET', `/api/v1/database/${db.id}`],
      ['GET', `/claim/${db.id}`],
      ['POST', `/claim/${db.id}`],
      ['POST', '/api/v1/database'],
      ['GET', '/healthz'],
    ]) {
      const post: { headers: Record<string, string>; body?: string } = method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{"ref": "x"}' } : { headers: {} };
      const answer = await rawRequest(serve.baseUrl, { method: method!, path: path!, headers: { ...rebound, origin: `http://${rebound.host}`, ...post.headers }, body: post.body });
      expect(answer.status, `${method} ${path}`).toBe(421);
      expect(answer.body).not.toContain('postgresql://');
    }
    expect((await getJson(`${serve.apiUrl}/database/${db.id}`)).body).toMatchObject({ status: 'UNCLAIMED' });
    // The names it is known by still answer.
    expect((await rawRequest(serve.baseUrl, { method: 'GET', path: '/healthz', headers: { host: `localhost:${new URL(serve.baseUrl).port}` } })).status).toBe(200);
  });

  test('the admin API is off without GET_DB_SERVE_ADMIN_TOKEN', async () => {
    const answer = await getJson(`${serve.baseUrl}/admin/v1/databases`);
    expect(answer).toEqual({ status: 404, body: { error: 'Not found', hint: expect.stringContaining('GET_DB_SERVE_ADMIN_TOKEN') } });
  });
});
