/**
 * A month of `get-db serve`, compressed: on a stock PostgreSQL (max_connections 100, a
 * non-superuser admin) of each major given, for --minutes: creates, tenant sessions and
 * writes, claims, the tenant abuse of issue 15 (NOTIFY flood, shared-catalog growth, the
 * wall with a neighbour's role, every connection slot taken), a serve restart, an
 * immediate stop of PostgreSQL, a serve crash (kill -9), and a short TTL throughout. Then it
 * lets the reaper settle and audits: creates served, 503s by reason, hung requests,
 * orphans (roles or databases without a row, rows without a database), lost claimed
 * databases, and the live count over time. Not part of `npm test`.
 *
 *   npm run soak:serve -- [--minutes 10] [--majors 18,14] [--workers 4]
 */
import { appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServe, type ServeProcess } from '../test/helpers/serve.js';
import type { DatabaseView } from '../src/serve/http/database-view.js';
import { freePort } from '../src/serve/postgres/embedded.js';
import { numberOption } from './args.js';
import { catalogGrowth, dropDatabases, notifyFlood, reserveDatabases, takeEverySlot, wall } from './soak/abuse.js';
import { liveCount, lostClaims, orphans, unsettled, type Orphans } from './soak/audit.js';
import { sleep, startSoakCluster, type SoakCluster } from './soak/cluster.js';
import { newStats, Tally, type SoakStats } from './soak/stats.js';
import { runWorkers, type Target } from './soak/workload.js';

const MINUTES = numberOption('minutes', 10);
const WORKERS = numberOption('workers', 4);
const at = process.argv.indexOf('--majors');
const MAJORS = (at === -1 ? '18,14' : process.argv[at + 1]!).split(',').map(Number);
const TTL_S = 120;
const LIMIT_MB = 20;
const SAMPLE_MS = 30_000;

interface Serve {
  current: ServeProcess;
  /** Every serve process's log lines, appended as each one stops (for reading what happened). */
  logFile: string;
  /** Warn and error events of every serve process so far, by event. */
  events: Tally;
  starts: number;
}

/** serve as operators run it: the built CLI. A start that fails (PostgreSQL still recovering) is tried again. */
async function startServe(args: string[], logFile: string, serve?: Serve): Promise<Serve> {
  for (let attempt = 1; ; attempt++) {
    try {
      const current = await spawnServe(args);
      return { current, logFile, events: serve?.events ?? new Tally(), starts: (serve?.starts ?? 0) + 1 };
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(3000);
    }
  }
}

/** Stops the current serve process and keeps what it logged; the time it took to exit, in seconds. */
async function stopServe(serve: Serve, signal: NodeJS.Signals): Promise<{ code: number | null; seconds: number }> {
  const started = Date.now();
  const code = await serve.current.stop(signal);
  const lines = serve.current.logs();
  for (const line of lines) if (line.level !== 'info') serve.events.add(String(line.event));
  appendFileSync(serve.logFile, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return { code, seconds: (Date.now() - started) / 1000 };
}

/** /healthz every 2 s: each request is answered (any status) within 20 s, or it counts as hung. */
async function probeHealth(target: Target, health: Tally): Promise<void> {
  while (!target.stopped) {
    try {
      const response = await fetch(target.apiUrl.replace(/\/api\/v1$/, '/healthz'), { signal: AbortSignal.timeout(20_000) });
      await response.arrayBuffer();
      health.add(String(response.status));
    } catch (error) {
      health.add((error as Error).name === 'TimeoutError' ? 'hung' : 'no connection');
    }
    await sleep(2000);
  }
}

async function sampleLive(cluster: SoakCluster, stats: SoakStats, started: number, target: { stopped: boolean }): Promise<void> {
  while (!target.stopped) {
    try {
      stats.live.push({ atS: Math.round((Date.now() - started) / 1000), ...(await liveCount(cluster)) });
    } catch (error) {
      stats.notes.push(`live count at ${Math.round((Date.now() - started) / 1000)} s failed: ${(error as Error).message}`);
    }
    await sleep(SAMPLE_MS);
  }
}

/** The scripted events, at fixed shares of the run, while the workers go on. */
async function scenario(cluster: SoakCluster, target: Target, stats: SoakStats, serve: Serve, args: string[], recent: string[], abusers: DatabaseView[], durationMs: number, started: number): Promise<void> {
  const [notifier, grower, owner, neighbour] = abusers;
  const until = (share: number) => sleep(Math.max(0, started + share * durationMs - Date.now()));
  const during = async (phase: string, work: () => Promise<string | void>) => {
    target.phase = phase;
    try {
      const note = await work();
      if (note) stats.notes.push(note);
    } catch (error) {
      stats.notes.push(`${phase} failed: ${(error as Error).message}`);
    } finally {
      target.phase = 'steady';
    }
  };
  await until(0.1);
  if (notifier) await during('notify-flood', () => notifyFlood(notifier, cluster, 5000));
  await until(0.2);
  if (grower) await during('catalog-growth', () => catalogGrowth(grower, cluster, 5000));
  await until(0.3);
  if (owner && neighbour) await during('wall', () => wall(owner, neighbour, cluster, LIMIT_MB * 1024 * 1024, 60_000));
  await until(0.4);
  await during('serve-restart', async () => {
    const { code, seconds } = await stopServe(serve, 'SIGTERM');
    Object.assign(serve, await startServe(args, serve.logFile, serve));
    return `serve restarted (SIGTERM: exit ${code} after ${seconds.toFixed(1)} s)`;
  });
  await until(0.55);
  await during('postgres-immediate-stop', async () => {
    await cluster.crashAndRestart(3000);
    const back = Date.now();
    while ((await fetch(target.apiUrl.replace(/\/api\/v1$/, '/healthz')).then((r) => r.status, () => 0)) !== 200) await sleep(250);
    return `PostgreSQL stopped immediately (SIGQUIT), up again 3 s later; serve answered /healthz 200 ${((Date.now() - back) / 1000).toFixed(1)} s after it was back`;
  });
  await until(0.7);
  await during('serve-crash', async () => {
    await stopServe(serve, 'SIGKILL');
    Object.assign(serve, await startServe(args, serve.logFile, serve));
    return 'serve killed (SIGKILL) and started again';
  });
  await until(0.8);
  await during('slots-taken', async () => {
    const taken = await takeEverySlot(recent.slice(-25), 5, 30_000);
    await taken.release;
    return taken.note;
  });
}

interface Result {
  major: number;
  stats: SoakStats;
  health: Tally;
  events: Tally;
  orphans: Orphans;
  lost: string[];
  unsettled: number;
  finalLive: { rows: number; databases: number };
  minutes: number;
}

async function soak(major: number): Promise<Result> {
  const cluster = await startSoakCluster(major);
  const stats = newStats();
  const health = new Tally();
  const port = await freePort();
  const args = ['--postgres-url', cluster.adminUrl, '--port', String(port), '--ttl', `${TTL_S}s`, '--sweep-interval', '5s', '--storage-limit', `${LIMIT_MB}MB`, '--rate-limit', 'off'];
  const serve = await startServe(args, join(tmpdir(), `get-db-soak-${major}-${Date.now()}-serve.jsonl`));
  const target: Target = { apiUrl: serve.current.apiUrl, phase: 'steady', stopped: false };
  const recent: string[] = [];
  const durationMs = MINUTES * 60_000;
  try {
    // Made before the workers fill the server.
    const abusers = await reserveDatabases(target, stats, 4, cluster.adminUrl, `${MINUTES + 10}m`);
    if (abusers.length < 4) stats.notes.push(`only ${abusers.length} of 4 databases for the abuse could be made; the abuse that lacks one is skipped`);
    const started = Date.now();
    const background = [runWorkers(target, stats, WORKERS, recent), probeHealth(target, health), sampleLive(cluster, stats, started, target)];
    await scenario(cluster, target, stats, serve, args, recent, abusers, durationMs, started);
    await sleep(Math.max(0, started + durationMs - Date.now()));
    target.stopped = true;
    await Promise.all(background);
    stats.notes.push(dropDatabases(abusers, cluster.adminUrl));
    // The reaper's turn: every unclaimed database expires within the TTL.
    const settleBy = Date.now() + (TTL_S + 120) * 1000;
    while (Date.now() < settleBy && (await unsettled(cluster)) + (await liveCount(cluster)).rows - stats.claimed.length > 0) await sleep(5000);
    const result = {
      major,
      stats,
      health,
      events: serve.events,
      orphans: await orphans(cluster),
      lost: await lostClaims(stats.claimed),
      unsettled: await unsettled(cluster),
      finalLive: await liveCount(cluster),
      minutes: durationMs / 60_000,
    };
    const { code, seconds } = await stopServe(serve, 'SIGTERM');
    stats.notes.push(`serve stopped at the end (SIGTERM: exit ${code} after ${seconds.toFixed(1)} s); its logs: ${serve.logFile}`);
    return result;
  } finally {
    target.stopped = true;
    await serve.current.stop('SIGKILL').catch(() => {});
    await cluster.stop().catch(() => {});
    rmSync(cluster.dataDir, { recursive: true, force: true });
  }
}

function report(result: Result): string[] {
  const { stats } = result;
  const list = (items: string[]) => (items.length === 0 ? '0' : `${items.length} (${items.slice(0, 5).join(', ')}${items.length > 5 ? ', …' : ''})`);
  const hung = stats.creates.get('hung') + stats.claims.get('hung') + result.health.get('hung');
  const maxLive = Math.max(0, ...stats.live.map((s) => s.rows));
  return [
    `PostgreSQL ${result.major} — stock (max_connections 100), admin CREATEDB CREATEROLE, ${result.minutes.toFixed(1)} min, ${WORKERS} workers, --ttl ${TTL_S}s, --storage-limit ${LIMIT_MB}MB`,
    `  creates served: ${stats.creates.get('201')}; all answers: ${stats.creates}`,
    ...[...stats.byPhase.entries()].filter(([phase]) => phase !== 'steady').map(([phase, tally]) => `    during ${phase}: ${tally}`),
    `  hung requests (no answer in 20 s): ${hung}`,
    `  /healthz every 2 s: ${result.health}`,
    `  claims: ${stats.claims}; lost claimed databases: ${list(result.lost)} of ${stats.claimed.length}`,
    `  orphans: roles without a row ${list(result.orphans.rolesWithoutRow)}, databases without a row ${list(result.orphans.databasesWithoutRow)}, rows without a database ${list(result.orphans.rowsWithoutDatabase)}; invalid databases ${list(result.orphans.invalidDatabases)}`,
    `  left for the reaper at the end (expired, DELETING, PENDING): ${result.unsettled}; live at the end: ${result.finalLive.rows} rows, ${result.finalLive.databases} databases (claimed: ${stats.claimed.length})`,
    `  live count (rows/databases every ${SAMPLE_MS / 1000} s): ${stats.live.map((s) => `${s.rows}/${s.databases}`).join(' ')}; max ${maxLive}`,
    `  tenant sessions: ${stats.tenant}`,
    `  serve's warnings and errors: ${result.events.toString() || 'none'}`,
    ...stats.notes.map((note) => `  - ${note}`),
  ];
}

for (const major of MAJORS) console.log(report(await soak(major)).join('\n'));
