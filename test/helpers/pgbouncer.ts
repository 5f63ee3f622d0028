/**
 * Debian's PgBouncer (/usr/sbin/pgbouncer), started by the test on a free port in front of
 * a test PostgreSQL. As root it runs as the `postgres` user (PgBouncer refuses root).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from '../../src/serve/postgres/embedded.js';

/** Debian installs it outside a user's PATH. */
export const PGBOUNCER = existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer';

export interface PgBouncer {
  port: number;
  /** `user`'s URL to `database` through PgBouncer. */
  urlFor(user: string, password: string, database: string): string;
  stop(): Promise<void>;
}

const userIds = () => (process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : undefined);

async function untilListening(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('pgbouncer did not listen within 10 s');
}

/**
 * PgBouncer in transaction mode in front of 127.0.0.1:`serverPort`, knowing `users` (name → password).
 * `extra`: more [pgbouncer] settings (e.g. `ignore_startup_parameters = options`).
 *
 * @example
 * const bouncer = await startPgBouncer(postgres.port, { admin: 'secret' });
 */
export async function startPgBouncer(serverPort: number, users: Record<string, string>, extra: string[] = []): Promise<PgBouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'get-db-pgbouncer-'));
  const port = await freePort();
  const ids = userIds();
  writeFileSync(join(dir, 'users.txt'), Object.entries(users).map(([name, password]) => `"${name}" "${password}"\n`).join(''), { mode: 0o600 });
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${serverPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'server_tls_sslmode = prefer',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      ...extra,
      '',
    ].join('\n'),
  );
  if (ids) for (const file of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, file), ids.uid, ids.gid);
  const child = spawn(PGBOUNCER, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...(ids ?? {}) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await untilListening(port, child);
  return {
    port,
    urlFor: (user, password, database) => `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}?sslmode=disable`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
