/**
 * Runs the items of seed files on one session: statements gathered into batches (one
 * batch in flight while the next is read and split), COPY blocks streamed as the bytes they
 * are, what the new database cannot run left out (./target-filter.ts). Failures come back as
 * errors that name the file, line and column. COMMIT goes alone, after everything succeeded.
 */
import type pg from 'pg';
import { cancelledError, GetDbError, isGetDbError } from '../errors.js';
import { DEFAULT_BATCH_LIMITS, locateInStatement, locatePosition, StatementBatch, type BatchLimits, type Location, type SourceStatement, type TakenBatch } from './batcher.js';
import { classifyStatement, headOffset } from './classify.js';
import { connectionLost, connectsElsewhere, statementFailed, transactionCommandFailed } from './errors.js';
import type { ProgressCounter } from './progress.js';
import { CopyIn, isServerError, runBatch, type BatchOutcome } from './session.js';
import type { SeedUnit } from './inputs.js';
import { newScriptContext, scriptItems, type ScriptItem } from './psql-script.js';
import type { ScriptChecks } from './script-checks.js';
import { openSeedSource } from './sources.js';
import { ROLE_LOOKUP_SQL, TargetFilter, type FilterOptions, type RoleFacts } from './target-filter.js';

export interface ExecutorOptions {
  /** Inside one transaction, statements need not be sent alone. */
  transaction: boolean;
  progress: ProgressCounter;
  signal?: AbortSignal;
  limits?: BatchLimits;
  /** The seeded database and the dump's facts (from the pre-scan, if one was made), for what of the files it can run. */
  target: Omit<FilterOptions, 'transaction' | 'dumpDatabase'> & { dumpDatabase: string | undefined };
}

async function lookupRoles(client: pg.Client, names: string[]): Promise<Map<string, RoleFacts>> {
  try {
    const { rows } = await client.query<{ name: string; exists: boolean; member: boolean }>(ROLE_LOOKUP_SQL, [names]);
    return new Map(rows.map((row) => [row.name, { exists: row.exists, member: row.member }]));
  } catch (error) {
    if (!isServerError(error)) throw connectionLost(error);
    throw new GetDbError('SEED_FAILED', `Could not look up the database's roles: ${error.message}`, { cause: error, details: { code: error.code } });
  }
}

/** Where a statement's first real character (after leading comments) is. */
function statementStart(statement: SourceStatement): Location {
  return locateInStatement(statement, [...statement.sql.slice(0, headOffset(statement.sql))].length);
}

/**
 * The statement a failed batch stopped at: by the server's position, else by the replies
 * counted. A failure in our BEGIN or COMMIT (a deferred constraint) has no statement.
 */
export function batchError(outcome: BatchOutcome, batch: TakenBatch): GetDbError {
  const { error } = outcome;
  const { statements, before } = batch;
  if (!isServerError(error)) return connectionLost(error);
  const located = error.position ? locatePosition(statements, Number(error.position), before) : undefined;
  if (located) return statementFailed(error, statements[located.index]!, located.location);
  const failed = outcome.completed - (before === undefined ? 0 : 1);
  if (failed < 0) return transactionCommandFailed(error, 'BEGIN');
  if (failed >= statements.length) return transactionCommandFailed(error, 'COMMIT');
  const statement = statements[failed]!;
  return statementFailed(error, statement, statementStart(statement));
}

/** A COPY error names its data line ("COPY t, line 3, column x: …"); map it to the file. */
export function copyError(error: unknown, copy: SourceStatement): GetDbError {
  if (!isServerError(error)) return connectionLost(error);
  const dataLine = /^COPY [^\n]*?, line (\d+)/.exec(error.where ?? '');
  const firstDataLine = copy.line + (copy.sql.match(/\n/g)?.length ?? 0) + 1;
  const location = dataLine ? { line: firstDataLine + Number(dataLine[1]) - 1, column: 1 } : statementStart(copy);
  return statementFailed(error, copy, location);
}

/**
 * Runs seed items on one session. With `transaction`, BEGIN rides with the first batch (no
 * round trip of its own); COMMIT goes alone once the last batch has succeeded (`finish`),
 * so a session closed or cancelled before then always rolls back.
 */
export class SeedExecutor {
  private readonly batch: StatementBatch;
  /** The batch on the wire; resolves to its error (never rejects, so it may wait unobserved). */
  private inFlight: Promise<GetDbError | undefined> = Promise.resolve(undefined);
  private beginPending: boolean;

  /** What of the files the database can run (looks roles up on this session). */
  readonly filter: TargetFilter;

  constructor(
    private readonly client: pg.Client,
    private readonly options: ExecutorOptions,
  ) {
    const dumpDatabase = () => this.checks?.ownDatabase ?? options.target.dumpDatabase;
    this.filter = new TargetFilter({ ...options.target, transaction: options.transaction, dumpDatabase }, (names) => lookupRoles(client, names), () => this.flush());
    this.batch = new StatementBatch(options.limits ?? DEFAULT_BATCH_LIMITS);
    this.beginPending = options.transaction;
  }

  private throwIfAborted(): void {
    if (this.options.signal?.aborted) throw cancelledError(this.options.signal.reason);
  }

  private async settle(): Promise<void> {
    const error = await this.inFlight;
    if (error) throw error;
  }

  /** Sends the gathered statements once the previous batch has succeeded; `commit` ends the transaction. */
  private async send(commit = false): Promise<void> {
    const empty = this.batch.size === 0;
    // Nothing ran at all (no transaction to commit), or nothing to send yet.
    if (empty && commit === this.beginPending) return;
    const batch = this.batch.take({
      before: this.beginPending ? 'BEGIN;' : undefined,
      after: commit ? 'COMMIT;' : undefined,
    });
    this.beginPending = false;
    await this.settle();
    this.inFlight = runBatch(this.client, batch.text).then((outcome) => {
      this.options.progress.statements += outcome.error
        ? Math.max(0, outcome.completed - Number(batch.before !== undefined))
        : batch.statements.length;
      return outcome.error ? batchError(outcome, batch) : undefined;
    });
  }

  /** Sends what is gathered and waits for it: before a role is looked up on the same session. */
  async flush(): Promise<void> {
    await this.send();
    await this.settle();
  }

  private async addStatement(original: SourceStatement): Promise<void> {
    const kind = classifyStatement(original.sql);
    if (kind.blank) return;
    const sql = await this.filter.decide(original.sql, kind);
    if (sql === undefined) return;
    const statement = sql === original.sql ? original : { ...original, sql };
    // Outside a transaction a multi-statement query is still an implicit one, which
    // VACUUM and friends refuse: they go alone.
    const alone = !this.options.transaction && kind.refusesTransaction !== undefined;
    if (alone) await this.send();
    this.batch.add(statement);
    if (alone || this.batch.isFull()) await this.send();
  }

  private async runCopy(copy: SourceStatement, data: AsyncIterator<Buffer | undefined>): Promise<void> {
    await this.send();
    await this.settle();
    const stream = new CopyIn(this.client, copy.sql);
    let ended = false;
    try {
      for (let next = await data.next(); !next.done && next.value !== undefined; next = await data.next()) {
        this.throwIfAborted();
        await stream.write(next.value);
        this.options.progress.tick();
      }
      ended = true;
      this.options.progress.rowsCopied += await stream.end();
      this.options.progress.statements++;
    } catch (error) {
      if (!ended) await stream.abandon();
      throw isGetDbError(error) ? error : copyError(error, copy);
    }
  }

  /** The checks of the unit running, when no pre-scan made them (see `runUnit`). */
  private checks: ScriptChecks | undefined;

  /**
   * `kept`: the unit's items when the pre-scan kept them; otherwise it is read again. `checks`:
   * no pre-scan was made, so the pre-scan's checks run here, item by item, before each runs
   * (a refusal then rolls back what ran: the seed is one transaction).
   */
  async runUnit(unit: SeedUnit, kept?: ScriptItem[], checks?: ScriptChecks): Promise<void> {
    this.checks = checks;
    let items: AsyncGenerator<ScriptItem>;
    if (kept) {
      items = (async function* () {
        yield* kept;
      })();
      this.options.progress.startFile(unit.name, unit.size, () => unit.size);
    } else {
      const source = await openSeedSource(unit);
      this.options.progress.startFile(unit.name, unit.size, () => source.bytesRead);
      items = scriptItems(source, unit.kind === 'text' ? undefined : unit.path, newScriptContext());
    }
    // COPY data is pulled from the same iterator by runCopy, up to its copy-end.
    const copyData: AsyncIterator<Buffer | undefined> = {
      next: async () => {
        const next = await items.next();
        if (next.done) return { done: true, value: undefined };
        return { done: false, value: next.value.kind === 'copy-data' ? next.value.data : undefined };
      },
    };
    try {
      for (let next = await items.next(); !next.done; next = await items.next()) {
        this.throwIfAborted();
        const item = next.value;
        checks?.check(item);
        if (item.kind === 'statement') await this.addStatement(item);
        else if (item.kind === 'copy-start') await this.runCopy(item, copyData);
        else if (item.kind === 'connect') this.connect(item);
        this.options.progress.tick();
      }
      checks?.end();
    } finally {
      await items.return(undefined);
    }
  }

  /** A `\connect` passed over; one naming another database is refused (the pre-scan leaves that check here). */
  private connect(item: Extract<ScriptItem, { kind: 'connect' }>): void {
    const { targetDatabase } = this.options.target;
    if (this.checks && item.target !== this.checks.ownDatabase && item.target !== targetDatabase) throw connectsElsewhere(item, item.target, targetDatabase);
    this.filter.connect(item.target);
  }

  /** True while COMMIT is on the wire: a cancel then could not say what happened, so it waits. */
  committing = false;

  /**
   * Sends what is gathered, then COMMIT on its own once every statement succeeded and no one
   * cancelled: a session closed before that point is rolled back, even if the server was
   * still running a statement when the cancel came (it would have run a COMMIT in the same
   * batch right after).
   */
  async finish(): Promise<void> {
    const nothingRan = this.batch.size === 0 && this.beginPending;
    if (!this.options.transaction || nothingRan) {
      await this.send(this.options.transaction);
      return this.settle();
    }
    await this.send(false);
    await this.settle();
    this.throwIfAborted();
    this.committing = true;
    try {
      await this.send(true);
      await this.settle();
    } finally {
      this.committing = false;
    }
  }

  /** After a failure: waits out the batch on the wire, then rolls back (a no-op if already aborted). */
  async rollback(): Promise<void> {
    await this.inFlight;
    if (this.options.transaction && !this.beginPending) await runBatch(this.client, 'ROLLBACK');
  }
}
