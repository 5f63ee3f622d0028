/** The pure HTTP-side rules of serve: who the client is, which POSTs are same-origin, which errors mean "PostgreSQL is away". */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { browserGuard, checkApiPost, isSameOriginPost } from '../src/serve/http/browser-guard.js';
import { bearerMatches, clientAddress } from '../src/serve/http/http-io.js';
import { parseServeOptions } from '../src/serve/options.js';
import { isUnavailable } from '../src/serve/unavailable.js';
import { mulberry32, pick, randomSeed } from './helpers/random.js';

const ADMIN = 'postgresql://postgres:pw@db.internal:6543/postgres?sslmode=require';
const request = (headers: IncomingHttpHeaders, remoteAddress = '10.0.0.9') => ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

const randomIp = (random: () => number) =>
  random() < 0.8 ? Array.from({ length: 4 }, () => Math.floor(random() * 256)).join('.') : `2001:db8::${Math.floor(random() * 65535).toString(16)}`;

describe('--trust-proxy', () => {
  test('alone means one hop; a number means that many', () => {
    expect(parseServeOptions({ postgresUrl: ADMIN }, {}).trustProxyHops).toBe(0);
    expect(parseServeOptions({ postgresUrl: ADMIN, trustProxy: true }, {}).trustProxyHops).toBe(1);
    expect(parseServeOptions({ postgresUrl: ADMIN, trustProxy: '3' }, {}).trustProxyHops).toBe(3);
  });

  test('the client is the entry as many hops from the right as there are proxies, whatever it wrote itself (randomised)', () => {
    const seed = randomSeed();
    const random = mulberry32(seed);
    for (let i = 0; i < 500; i++) {
      const hops = 1 + Math.floor(random() * 3);
      const client = randomIp(random);
      // What the client wrote (anything, including addresses and junk), then what each proxy appended.
      const forged = Array.from({ length: Math.floor(random() * 4) }, () => pick(random, [randomIp(random), 'unknown', '', ' 1.2.3.4 ', client]));
      const appended = [client, ...Array.from({ length: hops - 1 }, () => randomIp(random))];
      const header = [...forged, ...appended].join(pick(random, [',', ', ', ' ,']));
      expect(clientAddress(request({ 'x-forwarded-for': header }), hops), `seed ${seed}: ${header} with ${hops} hops`).toBe(client);
    }
  });

  test('off: the socket address, whatever the header says; junk in the trusted hop: the socket address', () => {
    expect(clientAddress(request({ 'x-forwarded-for': '203.0.113.7' }, '::ffff:127.0.0.1'), 0)).toBe('127.0.0.1');
    expect(clientAddress(request({ 'x-forwarded-for': '203.0.113.7, not-an-ip' }), 1)).toBe('10.0.0.9');
    expect(clientAddress(request({}), 1)).toBe('10.0.0.9');
    expect(clientAddress(request({ 'x-forwarded-for': '198.51.100.4' }), 2)).toBe('198.51.100.4'); // fewer entries than hops: the left-most
  });
});

describe('claim form Origin check', () => {
  const PUBLIC = 'https://db.example.com';
  const ours = (headers: IncomingHttpHeaders) => isSameOriginPost({ host: 'db.example.com', ...headers }, PUBLIC);

  test.each([
    ['Origin is the public URL', { origin: 'https://db.example.com' }, true],
    ['Origin matches the Host it was sent to', { origin: 'http://localhost:3000', host: 'localhost:3000' }, true],
    ['Origin is another site', { origin: 'https://evil.example' }, false],
    ['Origin is a sibling subdomain', { origin: 'https://evil.db.example.com' }, false],
    ['Origin has another scheme than the public URL and another host', { origin: 'http://db.example.com:8080' }, false],
    ['Origin starts with the public URL but is another host', { origin: 'https://db.example.com.evil.example' }, false],
    ['Origin is the public host on another port', { origin: 'https://db.example.com:8443' }, false],
    ['Origin: null without Sec-Fetch-Site', { origin: 'null' }, false],
    ['Origin: null, but the browser says same-origin', { origin: 'null', 'sec-fetch-site': 'same-origin' }, true],
    ['no Origin, Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, false],
    ['no Origin, Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }, false],
    ['no Origin, Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }, true],
    ['no Origin, a foreign Referer', { referer: 'https://evil.example/page' }, false],
    ['no Origin, our Referer', { referer: 'https://db.example.com/claim/x' }, true],
    ['no Origin, a Referer that is not a URL', { referer: 'nonsense' }, false],
    ['nothing at all (curl, scripts)', {}, true],
  ])('%s → %s', (_, headers, allowed) => {
    expect(ours(headers as IncomingHttpHeaders)).toBe(allowed);
  });

  test('on loopback, another port is another origin, even one whose digits start with ours', () => {
    const local = (origin: string) => isSameOriginPost({ host: '127.0.0.1:4000', origin }, 'http://127.0.0.1:4000');
    expect(local('http://127.0.0.1:4000')).toBe(true);
    for (const origin of ['http://127.0.0.1:40001', 'http://127.0.0.1:4000.evil.example', 'http://127.0.0.1:5173', 'http://localhost:4000']) {
      expect(local(origin), origin).toBe(false);
    }
  });

  test('a foreign Origin is refused whatever else the request carries (randomised)', () => {
    const seed = randomSeed();
    const random = mulberry32(seed);
    for (let i = 0; i < 300; i++) {
      const headers: IncomingHttpHeaders = { origin: pick(random, ['https://evil.example', 'http://db.example.com.evil.example', 'https://db.example.com.evil.example', 'https://db.example.com:8443', 'https://db.example.co']) };
      if (random() < 0.5) headers['sec-fetch-site'] = pick(random, ['same-origin', 'none', 'cross-site']);
      if (random() < 0.5) headers.referer = pick(random, ['https://db.example.com/claim/x', 'https://evil.example/']);
      expect(ours(headers), `seed ${seed}: ${JSON.stringify(headers)}`).toBe(false);
    }
  });
});

describe('Host allowlist (DNS rebinding)', () => {
  const guard = browserGuard({ publicUrl: 'https://db.example.com', listenHost: '0.0.0.0', allowedHosts: ['getdb.internal'] });
  const onLoopback = browserGuard({ publicUrl: 'http://127.0.0.1:3000', listenHost: '127.0.0.1', allowedHosts: [] });
  test.each([
    ['the public URL\'s name', 'db.example.com', true],
    ['…with a port, in capitals, with a trailing dot', 'DB.Example.com.:443', true],
    ['an --allowed-host', 'getdb.internal:3000', true],
    ['localhost', 'localhost:3000', true],
    ['an IPv4 address', '10.1.2.3:3000', true],
    ['an IPv6 address', '[::1]:3000', true],
    ['no Host at all (HTTP/1.0 tools: not a browser)', undefined, true],
    ['a name the attacker points at us', 'rebind.evil.example:3000', false],
    ['a sibling of the public name', 'evil.db.example.com', false],
    ['a name that ends like ours', 'notdb.example.com', false],
    ['junk', 'db.example.com/x', false],
    ['credentials in the Host', 'user@db.example.com', false],
  ])('%s (%s) → %s', (_, host, allowed) => {
    expect(guard.hostAllowed(host === undefined ? {} : { host })).toBe(allowed);
  });

  test('bound to loopback without --public-url: loopback names and addresses only', () => {
    expect(onLoopback.hostAllowed({ host: '127.0.0.1:3000' })).toBe(true);
    expect(onLoopback.hostAllowed({ host: 'localhost:3000' })).toBe(true);
    expect(onLoopback.hostAllowed({ host: 'db.example.com:3000' })).toBe(false);
    // The name serve listens on (--host) is one clients use.
    expect(browserGuard({ publicUrl: 'http://127.0.0.1:3000', listenHost: 'getdb.lan', allowedHosts: [] }).hostAllowed({ host: 'getdb.lan:3000' })).toBe(true);
  });
});

describe('create POSTs from browsers', () => {
  const PUBLIC = 'https://db.example.com';
  test.each([
    ['text/plain from another site (what a page can send without asking)', { origin: 'https://evil.example', 'content-type': 'text/plain' }, 403],
    ['a form from another site', { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 403],
    ['JSON from another site', { origin: 'https://evil.example', 'content-type': 'application/json' }, 403],
    ['a browser that says cross-site, without Origin', { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, 403],
    ['text/plain without Origin', { 'content-type': 'text/plain' }, 415],
    ['no content type', {}, 415],
    ['a type that only starts like JSON', { 'content-type': 'application/jsonp' }, 415],
    ['JSON from this server\'s own page', { origin: PUBLIC, 'content-type': 'application/json' }, undefined],
    ['JSON with a charset (get-db, scripts)', { 'content-type': 'Application/JSON; charset=utf-8' }, undefined],
  ])('%s → %s', (_, headers, status) => {
    expect(checkApiPost({ host: 'db.example.com', ...headers } as IncomingHttpHeaders, PUBLIC)?.status).toBe(status);
  });
});

describe('which failures mean PostgreSQL is away (503)', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  test.each([
    ['admin shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['starting up', withCode('57P03', 'the database system is starting up')],
    ['a connection exception', withCode('08006')],
    ['refused', withCode('ECONNREFUSED')],
    ['refused on both stacks', Object.assign(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]), { code: undefined })],
    ['reset, as a cause', new Error('wrapped', { cause: withCode('ECONNRESET') })],
    ['a dropped session', new Error('Connection terminated unexpectedly')],
    ['a pool that could not hand out a session in time', new Error('timeout exceeded when trying to connect')],
    ['no slots left', withCode('53300', 'sorry, too many clients already')],
  ])('%s: yes', (_, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  test.each([
    ['permission denied', withCode('42501', 'permission denied for database postgres')],
    ['a duplicate', withCode('42P04')],
    ['a plain bug', new TypeError('undefined is not a function')],
    ['not an error', 'Connection terminated'],
    ['nothing', undefined],
  ])('%s: no', (_, error) => {
    expect(isUnavailable(error)).toBe(false);
  });
});

describe('the metrics bearer token', () => {
  test('only the exact token, as a Bearer credential, passes', () => {
    expect(bearerMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('bearer   s3cret ', 's3cret')).toBe(true);
    for (const header of [undefined, '', 'Bearer', 'Bearer s3cre', 'Bearer s3cretX', 'Basic s3cret', 's3cret', 'Bearer s3cret extra']) {
      expect(bearerMatches(header, 's3cret')).toBe(false);
    }
  });
});
