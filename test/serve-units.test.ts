/** The pure parts of serve: options, request checks, names, the SCRAM verifier, the claim page. */
import { describe, expect, test } from 'vitest';
import { GetDbError } from '../src/errors.js';
import { checkCreateBody } from '../src/serve/http/api-routes.js';
import { unclaimedPage } from '../src/serve/http/claim-page.js';
import { connectionString, publicEndpointFor } from '../src/serve/http/database-view.js';
import { isUuid, newDatabaseName, newPassword, uuidv7 } from '../src/serve/ids.js';
import { parseDuration, parseRateLimit, parseSize } from '../src/serve/option-values.js';
import { parseOperatorUrls, parseServeOptions } from '../src/serve/options.js';
import { scramVerifier } from '../src/serve/postgres/scram.js';
import { pickServer, type DatabaseRecord } from '../src/serve/state/store.js';
import { atMaxDatabases, fullRefusal, noSlotLeft, roomOnDisk, takeDisk, underDiskFloor } from '../src/serve/capacity.js';
import type { Server } from '../src/serve/postgres/servers.js';
import { withRandom } from './helpers/random.js';

const ADMIN = 'postgresql://postgres:pw@db.internal:6543/postgres?sslmode=require';

function usageError(run: () => unknown): GetDbError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GetDbError);
    expect((error as GetDbError).code).toBe('USAGE');
    return error as GetDbError;
  }
  throw new Error('expected a USAGE error');
}

describe('serve options', () => {
  test('defaults', () => {
    expect(parseServeOptions({ postgresUrl: ADMIN }, {})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      postgresUrls: [ADMIN],
      embedded: false,
      dataDir: undefined,
      embeddedPort: undefined,
      publicHosts: [],
      publicUrl: undefined,
      ttlMs: 72 * 3600_000,
      rateLimit: { count: 30, periodMs: 60_000 },
      storageLimitBytes: 100 * 1024 * 1024,
      sweepIntervalMs: 30_000,
      trustProxyHops: 0,
      maxConnections: 500,
      requestTimeoutMs: 10_000,
      createQueue: 250,
      connectionsPerDatabase: 5,
      maxTenantConnections: undefined,
      maxDatabases: 1000,
      minFreeDiskBytes: 1024 ** 3,
      diskSizes: [],
      pool: 0,
      metrics: false,
      metricsToken: undefined,
      allowedHosts: [],
      maxClaimed: 100,
      claimedTtlMs: undefined,
      adminToken: undefined,
    });
    expect(parseServeOptions({}, { GET_DB_SERVE_POSTGRES_URL: ADMIN }).postgresUrls).toEqual([ADMIN]);
    const second = 'postgresql://postgres:pw@db2.internal:5433/postgres';
    expect(parseServeOptions({ postgresUrl: [ADMIN, second], publicHost: ['a.example.com', 'b.example.com:6432'] }, {})).toMatchObject({
      postgresUrls: [ADMIN, second],
      publicHosts: ['a.example.com', 'b.example.com:6432'],
    });
    expect(parseServeOptions({ postgresUrl: ADMIN, connectionsPerDatabase: '3', maxTenantConnections: '60' }, {})).toMatchObject({ connectionsPerDatabase: 3, maxTenantConnections: 60 });
    expect(parseServeOptions({ postgresUrl: ADMIN, metrics: true }, { GET_DB_SERVE_METRICS_TOKEN: 't' })).toMatchObject({ metrics: true, metricsToken: 't' });
    expect(parseServeOptions({ postgresUrl: ADMIN, maxDatabases: '5000', minFreeDisk: '20GB', diskSize: '2TB' }, {})).toMatchObject({ maxDatabases: 5000, minFreeDiskBytes: 20 * 1024 ** 3, diskSizes: [2 * 1024 ** 4] });
    expect(() => parseServeOptions({ postgresUrl: ADMIN }, { GET_DB_SERVE_METRICS_TOKEN: 't' })).toThrow(/--metrics/);
    expect(parseServeOptions({ postgresUrl: ADMIN, allowedHost: ['getdb.internal', 'GetDB'], maxClaimed: '0', claimedTtl: '30d' }, { GET_DB_SERVE_ADMIN_TOKEN: 'x'.repeat(16) })).toMatchObject({
      allowedHosts: ['getdb.internal', 'getdb'],
      maxClaimed: 0,
      claimedTtlMs: 30 * 86_400_000,
      adminToken: 'x'.repeat(16),
    });
    expect(parseServeOptions({ postgresUrl: ADMIN, claimedTtl: 'never' }, {}).claimedTtlMs).toBeUndefined();
    expect(parseServeOptions({ embedded: true, embeddedPort: '5433' }, {})).toMatchObject({ embedded: true, embeddedPort: 5433, postgresUrls: [] });
  });

  test('durations, sizes and rates', () => {
    expect([parseDuration('72h', 'x'), parseDuration('30m', 'x'), parseDuration('1.5d', 'x'), parseDuration('250ms', 'x'), parseDuration('10s', 'x')]).toEqual([
      259_200_000, 1_800_000, 129_600_000, 250, 10_000,
    ]);
    expect([parseSize('100MB', 'x'), parseSize('1gb', 'x'), parseSize('512 kb', 'x')]).toEqual([104_857_600, 1_073_741_824, 524_288]);
    expect(parseRateLimit('30/min')).toEqual({ count: 30, periodMs: 60_000 });
    expect(parseRateLimit('100/h')).toEqual({ count: 100, periodMs: 3_600_000 });
    expect(parseRateLimit('5/10s')).toEqual({ count: 5, periodMs: 10_000 });
    expect(parseRateLimit('off')).toBeUndefined();
  });

  test.each([
    [{}, /needs a PostgreSQL/],
    [{ port: 'abc' }, /--port must be a number/], // a typo is named before what is missing
    [{ postgresUrl: ADMIN, embedded: true }, /either --postgres-url or --embedded/],
    [{ postgresUrl: ADMIN, dataDir: '/tmp/x' }, /--data-dir goes with --embedded/],
    [{ postgresUrl: ADMIN, embeddedPort: '5433' }, /--embedded-port goes with --embedded/],
    [{ embedded: true, embeddedPort: '0' }, /--embedded-port must be a number from 1 to 65535, not "0"/],
    [{ embeddedPort: 'x5432' }, /--embedded-port must be a number/], // named before what is missing
    [{ postgresUrl: ADMIN, port: '' }, /--port must be a number/],
    [{ postgresUrl: 'mysql://x@y/z' }, /--postgres-url is not usable: the scheme is mysql/],
    [{ postgresUrl: ADMIN, port: '70000' }, /--port must be a number/],
    [{ postgresUrl: ADMIN, ttl: 'forever' }, /--ttl must be a duration/],
    [{ postgresUrl: ADMIN, ttl: '0s' }, /--ttl must be a duration/],
    [{ postgresUrl: ADMIN, storageLimit: '100' }, /--storage-limit must be a size/],
    [{ postgresUrl: ADMIN, rateLimit: 'lots' }, /--rate-limit must look like/],
    [{ postgresUrl: ADMIN, publicHost: 'db.example.com/x' }, /--public-host must be a host name/],
    [{ postgresUrl: [ADMIN, ADMIN] }, /names .* twice/],
    [{ postgresUrl: [ADMIN, 'postgresql://u:p@db2:5432/postgres'], publicHost: ['a.example.com'] }, /one --public-host per --postgres-url/],
    [{ postgresUrl: ADMIN, publicUrl: 'ftp://x' }, /--public-url must be an http\(s\) URL/],
    [{ postgresUrl: ADMIN, trustProxy: 'yes' }, /--trust-proxy must be a whole number from 1/],
    [{ postgresUrl: ADMIN, trustProxy: '0' }, /--trust-proxy must be a whole number from 1/],
    [{ postgresUrl: ADMIN, maxConnections: '5' }, /--max-connections must be a whole number from 10/],
    [{ postgresUrl: ADMIN, requestTimeout: '500ms' }, /--request-timeout must be at least 1s/],
    [{ postgresUrl: ADMIN, createQueue: '0' }, /--create-queue must be a whole number from 1/],
    [{ postgresUrl: ADMIN, connectionsPerDatabase: '0' }, /--connections-per-database must be a whole number/],
    [{ postgresUrl: ADMIN, maxTenantConnections: '1.5' }, /--max-tenant-connections must be a whole number/],
    [{ postgresUrl: ADMIN, maxDatabases: '0' }, /--max-databases must be a whole number from 1/],
    [{ postgresUrl: ADMIN, minFreeDisk: 'lots' }, /--min-free-disk must be a size/],
    [{ postgresUrl: [ADMIN, 'postgresql://u:p@db2:5432/postgres', 'postgresql://u:p@db3:5432/postgres'], diskSize: ['1TB', '2TB'] }, /one --disk-size for all servers, or one per --postgres-url/],
    [{ postgresUrl: ADMIN, allowedHost: 'getdb.internal:3000' }, /--allowed-host must be a host name without a port/],
    [{ postgresUrl: ADMIN, allowedHost: 'https://getdb.internal' }, /--allowed-host must be a host name without a port/],
    [{ postgresUrl: ADMIN, maxClaimed: '-1' }, /--max-claimed must be a whole number from 0/],
    [{ postgresUrl: ADMIN, claimedTtl: 'forever' }, /--claimed-ttl must be a duration/],
  ])('refused before anything starts: %j', (raw, message) => {
    expect(usageError(() => parseServeOptions(raw as Record<string, unknown>, {})).message).toMatch(message);
  });

  test('an admin token that could be guessed is refused', () => {
    expect(usageError(() => parseServeOptions({ postgresUrl: ADMIN }, { GET_DB_SERVE_ADMIN_TOKEN: 'secret' })).message).toMatch(/at least 16 characters/);
  });

  test('the operator tools take the same --postgres-url list, and need one', () => {
    expect(parseOperatorUrls({}, { GET_DB_SERVE_POSTGRES_URL: ADMIN })).toEqual([ADMIN]);
    expect(usageError(() => parseOperatorUrls({}, {})).message).toMatch(/Give its --postgres-url/);
    expect(usageError(() => parseOperatorUrls({ postgresUrl: [ADMIN, ADMIN] }, {})).message).toMatch(/twice/);
  });
});

describe('create request bodies (docs: error responses)', () => {
  test.each([
    ['{"ref":"app"}', { ok: true, referrer: 'app', logicalReplication: false }],
    ['{"ref":" app ","enable_logical_replication":true}', { ok: true, referrer: 'app', logicalReplication: true }],
    ['{"ref":"app","unknown":1}', { ok: true, referrer: 'app', logicalReplication: false }],
    ['{}', { ok: false, status: 400, error: 'Missing referrer' }],
    ['{"ref":""}', { ok: false, status: 400, error: 'Missing referrer' }],
    ['{"ref":', { ok: false, status: 500, error: 'Failed to create the database.' }],
    ['null', { ok: false, status: 500, error: 'Failed to create the database.' }],
    ['{"ref":true}', { ok: false, status: 500, error: 'Failed to create the database.' }],
    ['{"ref":"a\\u0000b"}', { ok: false, status: 500, error: 'Failed to create the database.' }],
    ['{"ref":"a","enable_logical_replication":1}', { ok: false, status: 500, error: 'Failed to create the database.' }],
  ])('%s', (body, expected) => {
    expect(checkCreateBody(body)).toMatchObject(expected);
  });
});

describe('names, passwords and connection strings', () => {
  test('UUID v7 ids; names and passwords that need no quoting and reveal nothing', () => {
    const ids = Array.from({ length: 200 }, () => uuidv7());
    expect(new Set(ids).size).toBe(200);
    for (const id of ids) expect(isUuid(id) && id[14] === '7').toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    const name = newDatabaseName();
    expect(name).toMatch(/^gdb_[0-9a-f]{24}$/);
    expect(newPassword()).toMatch(/^[\w-]{43}$/);
  });

  test('the public endpoint follows the admin URL unless --public-host says otherwise', () => {
    const endpoint = publicEndpointFor(ADMIN, undefined, 'http://127.0.0.1:3000');
    expect(endpoint).toEqual({ host: 'db.internal:6543', sslmode: 'require', publicUrl: 'http://127.0.0.1:3000' });
    expect(publicEndpointFor('postgresql://u:p@127.0.0.1:5432/postgres', 'pg.example.com', 'x').sslmode).toBe('disable');
    expect(connectionString({ name: 'gdb_ab' }, 'p-w_d', { ...endpoint, host: 'pg.example.com' })).toBe(
      'postgresql://gdb_ab:p-w_d@pg.example.com/gdb_ab?sslmode=require',
    );
  });

  test('the SCRAM verifier matches RFC 7677 test vectors and PostgreSQL format', () => {
    // RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    expect(verifier).toBe(
      'SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=',
    );
  });
});

test('the claim page escapes what it shows and posts to itself', () => {
  const record: DatabaseRecord = {
    id: '01234567-89ab-7def-8123-456789abcdef',
    state: 'UNCLAIMED',
    name: 'gdb_<b>',
    password: 'x',
    referrer: '<script>alert(1)</script>',
    logicalReplication: false,
    readOnly: true,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    expiresAt: new Date('2026-01-01T02:00:00Z'),
    claimedAt: null,
    server: null,
  };
  const html = unclaimedPage(record, new Date('2026-01-01T00:30:00Z'));
  expect(html).toContain('<form method="post" action="/claim/01234567-89ab-7def-8123-456789abcdef">');
  expect(html).toContain('gdb_&lt;b&gt;');
  expect(html).toContain('1h 30m left');
  expect(html).toContain('read-only until claimed');
  // The page's own script (the countdown) is its one script; the referrer's never appears.
  expect(html.match(/<script/g)).toHaveLength(1);
  expect(html).not.toContain('alert(1)');
  expect(html).not.toContain('x</'); // the password is not on the unclaimed page
});

test('pickServer: the server with room and the fewest live databases, earlier ones winning ties (randomised)', async () => {
  await withRandom((random) => {
    for (let round = 0; round < 500; round++) {
      const candidates = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => ({ key: `s${i}:5432`, maxDatabases: Math.floor(random() * 6) }));
      const live = new Map(candidates.filter(() => random() < 0.8).map((c) => [c.key, Math.floor(random() * 6)]));
      const count = (key: string) => live.get(key) ?? 0;
      const withRoom = candidates.filter((c) => count(c.key) < c.maxDatabases);
      const fewest = Math.min(...withRoom.map((c) => count(c.key)));
      expect(pickServer(candidates, live)).toBe(withRoom.find((c) => count(c.key) === fewest)?.key);
    }
  });
});

describe('what caps creates (capacity.ts)', () => {
  const MB = 1024 * 1024;
  const server = (freeMb: number | undefined): Server =>
    ({ key: 'db:5432', limits: { maxDatabases: 1000, minFreeDiskBytes: 100 * MB }, disk: { gauge: { kind: 'local', path: '/' }, freeBytes: freeMb === undefined ? undefined : freeMb * MB, createBytes: 15 * MB } }) as unknown as Server;

  test('the free-disk floor counts the create about to be made, and each create until the next reading', () => {
    expect([roomOnDisk(server(116)), roomOnDisk(server(114)), roomOnDisk(server(undefined))]).toEqual([true, false, true]);
    const busy = server(130);
    takeDisk(busy);
    expect([busy.disk.freeBytes! / MB, roomOnDisk(busy)]).toEqual([115, true]);
    takeDisk(busy);
    expect(roomOnDisk(busy)).toBe(false);
  });

  test('each refusal says why (the 503 body’s reason) and how long to wait', () => {
    expect(fullRefusal(atMaxDatabases([server(500), server(500)]))).toMatchObject({ reason: 'max_databases', retryAfterSeconds: 300, maxDatabases: 2000 });
    const disk = underDiskFloor([server(90)]);
    expect([disk.message, fullRefusal(disk)?.reason]).toEqual(['This server is low on disk: db:5432 has 90 MB free, under the 100 MB floor (--min-free-disk).', 'disk']);
    expect(fullRefusal(noSlotLeft(Object.assign(new Error('sorry, too many clients already'), { code: '53300' }), 'db:5432'))).toMatchObject({ reason: 'connections', retryAfterSeconds: 5 });
    expect(noSlotLeft(Object.assign(new Error('permission denied'), { code: '42501' }), 'db:5432')).toBeUndefined();
    expect(fullRefusal(new Error('other'))).toBeUndefined();
  });
});
