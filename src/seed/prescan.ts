/**
 * A fast pass over every seed unit (no server) before anything is created: what the user named
 * is resolved (folders, standard input), every file is opened as the seed will open it and read
 * as psql would (./psql-script.ts), and whatever the seed could not run is refused
 * (./script-checks.ts) before a database exists rather than after minutes of loading data.
 */
import { cancelledError } from '../errors.js';
import { connectsElsewhere } from './errors.js';
import { resolveSeedInputs, type FolderOrder, type ResolveOptions, type SeedInput, type SeedUnit } from './inputs.js';
import { newScriptContext, scriptItems, type ScriptItem } from './psql-script.js';
import { ScriptChecks, type NamedConnect } from './script-checks.js';
import { openSeedSource } from './sources.js';

export type { NamedConnect } from './script-checks.js';
export { connectTarget } from './psql-script.js';

/**
 * The one check the pre-scan leaves for later: a `\connect` naming another database than
 * `database` (the seeded one's name comes with its URL, after the create).
 *
 * @example
 * checkConnects(scan, 'neondb'); // throws SEED_UNSUPPORTED for `\connect shop`
 */
export function checkConnects(scan: SeedScan, database: string): void {
  const elsewhere = scan.connects.find((connect) => connect.target !== database);
  if (elsewhere) throw connectsElsewhere(elsewhere, elsewhere.target, database);
}

export interface PrescanOptions extends ResolveOptions {
  /** Statements are checked against the seed's one transaction only when there is one. */
  transaction: boolean;
  /** Units whose items take up to this many bytes are kept (default KEEP_SPLIT_BYTES). */
  keepBytes?: number;
}

/**
 * Units up to this size are read once: the pre-scan keeps their items for the run (most seeds
 * are schema files of a few KB). Larger ones are read again, so memory stays flat.
 */
export const KEEP_SPLIT_BYTES = 4 * 1024 * 1024;

/** What the pre-scan found, handed on to the seed so that no file is read twice for nothing. */
export interface SeedScan {
  inputs: readonly SeedInput[];
  transaction: boolean;
  units: SeedUnit[];
  /** The folders named, with the order their files run in. */
  folders: FolderOrder[];
  /** The items of the units small enough to keep, by index in `units`; the others are read again. */
  kept: Map<number, ScriptItem[]>;
  connects: NamedConnect[];
  /** The database `pg_dump --create` made in the script (its CREATE DATABASE and \connect are skipped). */
  dumpDatabase: string | undefined;
  /** Removes the copy of standard input, if any; the seed calls it when done. */
  dispose(): Promise<void>;
}

/** Items kept while they fit in `budget` bytes; COPY data copied out of the reader's window. */
class Keeper {
  items: ScriptItem[] | undefined = [];
  private size = 0;

  constructor(private readonly budget: number) {}

  add(item: ScriptItem): void {
    if (!this.items) return;
    this.size += item.kind === 'copy-data' ? item.data.length : 'sql' in item ? item.sql.length : 16;
    if (this.size > this.budget) this.items = undefined;
    else this.items.push(item.kind === 'copy-data' ? { kind: 'copy-data', data: Buffer.from(item.data) } : item);
  }
}

async function scanUnit(unit: SeedUnit, scan: SeedScan, options: PrescanOptions): Promise<ScriptItem[] | undefined> {
  const source = await openSeedSource(unit, { schemaOnly: true });
  // An archive's pre-scan reads its definitions only: the seed reads it again, whole.
  const keeper = new Keeper(source.archive ? -1 : (options.keepBytes ?? KEEP_SPLIT_BYTES));
  const checks = new ScriptChecks(options.transaction);
  for await (const item of scriptItems(source, unit.kind === 'text' ? undefined : unit.path, newScriptContext())) {
    if (options.signal?.aborted) throw cancelledError(options.signal.reason);
    checks.check(item);
    keeper.add(item);
  }
  checks.end();
  scan.connects.push(...checks.connects);
  scan.dumpDatabase ??= checks.dumpDatabase;
  return keeper.items;
}

/**
 * Resolves and checks every input (throws SEED_UNSUPPORTED, SEED_FILE_UNREADABLE, or
 * SEED_FAILED for an unterminated quote); needs no server, so it runs before anything is
 * created. Call `dispose` on the result when the seed is done (seedDatabase does).
 *
 * @example
 * const scan = await prescanSeed(['/app/schema.sql', '/app/prisma/migrations'], { transaction: true });
 */
export async function prescanSeed(inputs: SeedInput[], options: PrescanOptions): Promise<SeedScan> {
  const resolved = await resolveSeedInputs(inputs, options);
  const scan: SeedScan = { inputs: [...inputs], transaction: options.transaction, ...resolved, kept: new Map(), connects: [], dumpDatabase: undefined };
  try {
    for (const [index, unit] of scan.units.entries()) {
      const kept = await scanUnit(unit, scan, options);
      if (kept) scan.kept.set(index, kept);
    }
  } catch (error) {
    await scan.dispose();
    throw error;
  }
  return scan;
}

/**
 * A scan made for these inputs and this mode (a caller may have changed either since).
 * @example
 * const scan = scanFits(given, files, true) ? given : await prescanSeed(files, { transaction: true });
 */
export function scanFits(scan: SeedScan, inputs: readonly SeedInput[], transaction: boolean): boolean {
  return scan.transaction === transaction && scan.inputs.length === inputs.length && scan.inputs.every((input, index) => input === inputs[index]);
}
