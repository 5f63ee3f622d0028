/**
 * `get-db serve list | drop | expire | pause | resume`: an operator's tools, run against the
 * same `--postgres-url` servers as serve (no running serve needed; with one running, it
 * sees every change at once, since the state is shared).
 */
import type { Command } from 'commander';
import { GetDbError } from '../../errors.js';
import { formatBytes, formatTimeLeft, plural } from '../../report/format.js';
import { dropDatabase, setExpiry } from '../../serve/operate/actions.js';
import { listDatabases, type Inventory, type ListedDatabase } from '../../serve/operate/inventory.js';
import { openOperatorSession, type OperatorSession } from '../../serve/operate/session.js';
import { parseClaimedTtl, parseOperatorUrls } from '../../serve/options.js';
import { pauseCreates, resumeCreates } from '../../serve/state/pause.js';
import { createOutput, type Output } from '../output.js';

type Action = (session: OperatorSession, out: Output, args: string[], options: Record<string, unknown>) => Promise<void>;

const ago = (ms: number) => (ms < 60_000 ? '<1m' : formatTimeLeft(ms));

/** One line per database, in columns; what is unknown is "?". */
function table(databases: ListedDatabase[], now: number): string[] {
  const rows = databases.map((db) => [
    db.id,
    db.name,
    db.state + (db.readOnly ? ' (read-only)' : ''),
    db.server ?? '?',
    ago(now - db.createdAt.getTime()),
    db.expiresAt ? formatTimeLeft(db.expiresAt.getTime() - now) : 'never',
    db.present === false ? 'missing' : db.sizeBytes === null ? '?' : formatBytes(db.sizeBytes),
    db.connections === null ? '?' : String(db.connections),
  ]);
  const header = ['ID', 'NAME', 'STATE', 'SERVER', 'AGE', 'EXPIRES IN', 'SIZE', 'CONNECTIONS'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

function summary(inventory: Inventory): string {
  const count = (state: string) => inventory.databases.filter((db) => db.state === state).length;
  const creates = inventory.pause ? `creates paused since ${inventory.pause.since.toISOString()}${inventory.pause.message ? ` ("${inventory.pause.message}")` : ''}` : 'creates on';
  return `${plural(inventory.databases.length, 'database')}: ${count('UNCLAIMED')} unclaimed, ${count('CLAIMED')} claimed, ${count('READY')} ready (warm pool), ${count('PENDING')} being created, ${count('DELETING')} being dropped; ${creates}`;
}

const list: Action = async (session, out) => {
  const inventory = await listDatabases(session.state, session.clusters);
  const now = Date.now();
  for (const line of table(inventory.databases, now)) out.print(line);
  out.say(summary(inventory));
  for (const { server, error } of inventory.unreachable) out.warn(`Sizes and connections on ${server ?? 'the first server'} unknown: ${error}`);
  out.result({ ok: true, action: 'serve-list', paused: inventory.pause ?? null, databases: inventory.databases, unreachable: inventory.unreachable });
};

const drop: Action = async (session, out, [ref], options) => {
  const result = await dropDatabase(session.state, session.clusters, ref!, { force: options.force === true });
  if (result.outcome === 'dropped') out.say(`${out.colors.green('✔')} Dropped ${result.name} (${result.id}) and its role.`);
  else out.warn(`${result.name} (${result.id}) is marked for deletion; a running serve's reaper finishes it. Not dropped here: ${result.reason}`);
  out.result({ ok: true, action: 'serve-drop', ...result });
};

const expire: Action = async (session, out, [ref, when]) => {
  const record = await setExpiry(session.state, ref!, parseClaimedTtl(when!));
  const expires = record.expiresAt ? `expires at ${record.expiresAt.toISOString()} (in ${formatTimeLeft(record.expiresAt.getTime() - Date.now())})` : 'no longer expires';
  out.say(`${out.colors.green('✔')} ${record.name} (${record.state.toLowerCase()}) ${expires}.`);
  out.result({ ok: true, action: 'serve-expire', id: record.id, name: record.name, state: record.state, expiresAt: record.expiresAt?.toISOString() ?? null });
};

const pause: Action = async (session, out, [message]) => {
  await pauseCreates(session.state, message?.trim() ?? '');
  out.say(`${out.colors.green('✔')} Creates paused: every serve on this state answers 503 until get-db serve resume.`);
  out.result({ ok: true, action: 'serve-pause', message: message?.trim() ?? '' });
};

const resume: Action = async (session, out) => {
  await resumeCreates(session.state);
  out.say(`${out.colors.green('✔')} Creates resumed.`);
  out.result({ ok: true, action: 'serve-resume' });
};

const ACTIONS: Record<string, Action> = { list, drop, expire, pause, resume };

export default async function serveOperator(raw: Record<string, unknown>, args: string[], command: Command): Promise<number> {
  const out = createOutput(raw.json === true);
  const action = ACTIONS[command.name()];
  if (!action) throw new GetDbError('INTERNAL', `No operator command ${command.name()}.`);
  const session = await openOperatorSession(parseOperatorUrls(raw, process.env));
  try {
    await action(session, out, args, raw);
  } finally {
    await session.close();
  }
  return 0;
}
