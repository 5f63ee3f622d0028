/**
 * A real HTTP server on loopback speaking the documented Instagres API, field for field
 * and error for error (docs: "API", "Error responses"), scriptable per test: failures,
 * HTML pages, malformed or partial JSON, hung and reset connections. With `postgres`, each
 * create makes a real role + database on the test PostgreSQL and returns a Neon-shaped URL
 * to it, so what the CLI writes can be connected to and seeded.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { InstagresDatabase } from '../../src/types.js';
import { uuidv7 } from '../../src/serve/ids.js';
import { createOwnedDatabase, TLS_DIR } from './postgres.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Date.now() when the request arrived (to check waits between retries). */
  at: number;
}

type Script =
  | { kind: 'fail'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'html'; status: number }
  | { kind: 'malformed' }
  | { kind: 'missingFields' }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'huge' }
  | { kind: 'delay'; ms: number };

export interface FakeApiOptions {
  postgres?: { adminUrl: string; port: number };
  /** Connection strings whose pooler host does not resolve: only `_DIRECT` reaches the database. */
  directOnly?: boolean;
  /** Serve https:// with the test certificate (fixtures/tls; the test CA is trusted by every test process). */
  tls?: boolean;
}

export interface FakeApi {
  /** Ends in /api/v1, as --api-url expects. */
  apiUrl: string;
  baseUrl: string;
  requests: RecordedRequest[];
  /** The create requests (POST /database) received so far, answered or not. */
  createRequests(): RecordedRequest[];
  lastCreated(): InstagresDatabase | undefined;
  /** The next `n` requests get `status` with a JSON `body` (and extra headers, e.g. retry-after). */
  fail(n: number, status: number, body?: unknown, headers?: Record<string, string>): void;
  html(n: number, status: number): void;
  malformed(n: number): void;
  missingFields(n: number): void;
  hang(n: number): void;
  reset(n: number): void;
  /** The next `n` creates answer 201 with a JSON body larger than any client should read (2 MB). */
  huge(n: number): void;
  delay(n: number, ms: number): void;
  resetScript(): void;
  /** Databases created from now on expire `ms` after creation (negative: already past, as a skewed server says). Default 72 h. */
  expiresIn(ms: number): void;
  setStatus(id: string, status: InstagresDatabase['status']): void;
  /** The database passes its expiry and is deleted, as Instagres does after 72 h. */
  expire(id: string): void;
  /** Runs after a database is created, before the answer is sent. */
  onCreate(hook: ((db: InstagresDatabase) => Promise<void> | void) | undefined): void;
  close(): Promise<void>;
}

const HOUR = 3600_000;

function fakeNeonUrl(): string {
  const password = `npg_${randomBytes(9).toString('base64url')}`;
  return `postgresql://neondb_owner:${password}@ep-${randomBytes(4).toString('hex')}-pooler.c-2.us-east-2.aws.neon.test/neondb?sslmode=require&channel_binding=require`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const databases = new Map<string, InstagresDatabase>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let script: Script[] = [];
  let createHook: ((db: InstagresDatabase) => Promise<void> | void) | undefined;
  let last: InstagresDatabase | undefined;
  let baseUrl = '';
  let lifetimeMs = 72 * HOUR;

  const view = (db: InstagresDatabase): InstagresDatabase =>
    db.status === 'CLAIMED' ? { ...db, connection_string: null } : { ...db };

  async function create(res: ServerResponse, raw: string): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 500, { error: 'Failed to create the database.' });
    }
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof fields.ref !== 'string' && fields.ref !== undefined && fields.ref !== null) {
      return sendJson(res, 500, { error: 'Failed to create the database.' });
    }
    if (typeof fields.ref !== 'string' || fields.ref.trim() === '') {
      return sendJson(res, 400, { error: 'Missing referrer', hint: 'Add a "ref" to the request body naming your app, e.g. {"ref": "my-app"}.' });
    }
    if (fields.enable_logical_replication !== undefined && typeof fields.enable_logical_replication !== 'boolean') {
      return sendJson(res, 500, { error: 'Failed to create the database.' });
    }
    const id = uuidv7();
    const now = new Date();
    const connection = options.postgres
      ? (await createOwnedDatabase({ ...options.postgres, prefix: 'api', directOnly: options.directOnly })).url
      : fakeNeonUrl();
    const db: InstagresDatabase = {
      id,
      status: 'UNCLAIMED',
      neon_project_id: `fake-${id.slice(-8)}`,
      connection_string: connection,
      claim_url: `${baseUrl}/claim/${id}`,
      expires_at: new Date(now.getTime() + lifetimeMs).toISOString(),
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    databases.set(id, db);
    last = db;
    await createHook?.(db);
    sendJson(res, 201, view(db));
  }

  function route(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> | void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/api/v1/database') return create(res, body);
    const get = /^\/api\/v1\/database\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && get) {
      const db = databases.get(decodeURIComponent(get[1]!));
      return db ? sendJson(res, 200, view(db)) : sendJson(res, 400, { error: 'Database not found' });
    }
    const claim = /^\/claim\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && claim && databases.has(claim[1]!)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(`<!doctype html><title>Claim</title><h1>Claim database ${claim[1]}</h1>`);
    }
    sendJson(res, 404, { error: 'Not found' });
  }

  /** Plays the next scripted behaviour; true when the request is fully handled by it. */
  async function play(step: Script | undefined, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!step) return false;
    switch (step.kind) {
      case 'fail':
        sendJson(res, step.status, step.body, step.headers);
        return true;
      case 'html':
        res.writeHead(step.status, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return true;
      case 'malformed':
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end('{"id": "01');
        return true;
      case 'missingFields':
        sendJson(res, 201, { id: uuidv7(), status: 'UNCLAIMED' });
        return true;
      case 'hang':
        return true; // never answers; close() ends the socket
      case 'reset':
        req.socket.destroy();
        return true;
      case 'huge':
        sendJson(res, 201, { id: uuidv7(), padding: 'x'.repeat(2 * 1024 * 1024) });
        return true;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, step.ms));
        return false;
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      void (async () => {
        if (await play(script.shift(), req, res)) return;
        await route(req, res, body);
      })().catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: readFileSync(join(TLS_DIR, 'server.crt')), key: readFileSync(join(TLS_DIR, 'server.key')) }, handler)
    : createServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const repeat = (n: number, step: Script) => {
    for (let i = 0; i < n; i++) script.push(step);
  };
  const known = (id: string) => {
    const db = databases.get(id);
    if (!db) throw new Error(`fake API: no database ${id}`);
    return db;
  };

  return {
    apiUrl: `${baseUrl}/api/v1`,
    baseUrl,
    requests,
    createRequests: () => requests.filter((r) => r.method === 'POST'),
    lastCreated: () => last,
    fail: (n, status, body = { error: 'Failed to create the database.' }, headers = {}) => repeat(n, { kind: 'fail', status, body, headers }),
    html: (n, status) => repeat(n, { kind: 'html', status }),
    malformed: (n) => repeat(n, { kind: 'malformed' }),
    missingFields: (n) => repeat(n, { kind: 'missingFields' }),
    hang: (n) => repeat(n, { kind: 'hang' }),
    reset: (n) => repeat(n, { kind: 'reset' }),
    huge: (n) => repeat(n, { kind: 'huge' }),
    delay: (n, ms) => repeat(n, { kind: 'delay', ms }),
    resetScript: () => {
      script = [];
    },
    expiresIn: (ms) => {
      lifetimeMs = ms;
    },
    setStatus: (id, status) => {
      const db = known(id);
      db.status = status;
      db.updated_at = new Date().toISOString();
    },
    expire: (id) => {
      known(id);
      databases.delete(id);
    },
    onCreate: (hook) => {
      createHook = hook;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
