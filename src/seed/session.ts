/**
 * The seed's one database session (pg): connect, send a batch of statements as one
 * simple query, stream a COPY block. The I/O edge of the seed runner.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { SimpleQuery } from './simple-query.js';
import { cancelledError } from '../errors.js';
import { connectFailed } from './errors.js';

export type ServerError = pg.DatabaseError;

export function isServerError(error: unknown): error is ServerError {
  return error instanceof pg.DatabaseError;
}

export interface BatchOutcome {
  /** Statements of the batch that completed before `error` (CommandComplete replies). */
  completed: number;
  error: Error | undefined;
}

/**
 * A simple query that counts completed statements (so a failure without a server
 * `position` still names its statement) and drops result rows instead of keeping them.
 */
class CountingQuery extends SimpleQuery<BatchOutcome> {
  completed = 0;
  /** COPY FROM STDIN needs a data block; the splitter routes those elsewhere. */
  protected readonly copyRefusal = 'COPY FROM STDIN without a data block';

  override handleCommandComplete(): void {
    this.completed++;
  }

  protected result(error: Error | undefined): BatchOutcome {
    return { completed: this.completed, error };
  }
}

export function runBatch(client: pg.Client, text: string): Promise<BatchOutcome> {
  return client.query(new CountingQuery(text)).outcome;
}

/**
 * A connected client; a cancel while connecting ends the attempt (CANCELLED), a failure is
 * CONNECT_FAILED naming the host.
 *
 * @example
 * const client = await connect(pgConfigFromUrl(url), signal);
 */
export async function connect(config: pg.ClientConfig, signal: AbortSignal | undefined): Promise<pg.Client> {
  const client = createClient(config);
  const stop = () => void client.end().catch(() => {});
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await client.connect();
    return client;
  } catch (error) {
    if (signal?.aborted) throw cancelledError(signal.reason);
    throw connectFailed(String(config.host), error);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** A client not yet connected. */
export function createClient(config: pg.ClientConfig): pg.Client {
  const client = new pg.Client(config);
  // A dropped socket after connecting surfaces through the running query; without a
  // listener the 'error' event would crash the process.
  client.on('error', () => {});
  return client;
}

const CANCEL_WITHIN_MS = 3_000;

/**
 * Stops the statement `client` is running, on the server: closing the socket alone does not
 * (the server notices only when the statement ends, holding its locks until then). A second
 * session of the same role asks for it (`pg_cancel_backend`), which works through any proxy
 * the first one went through. Best effort and bounded: never throws, gives up after 3 s.
 *
 * @example
 * await cancelOnServer(config, client); // then client.end()
 */
export async function cancelOnServer(config: pg.ClientConfig, client: pg.Client): Promise<void> {
  const pid = (client as unknown as { processID: number | null }).processID;
  if (pid === null) return;
  const canceller = createClient({ ...config, connectionTimeoutMillis: CANCEL_WITHIN_MS });
  const timer = setTimeout(() => void canceller.end().catch(() => {}), CANCEL_WITHIN_MS);
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // Unreachable or refused: closing the session still rolls back, later.
  } finally {
    clearTimeout(timer);
    await canceller.end().catch(() => {});
  }
}

// Data arrives in slices of 64 KiB read chunks: most go out as they are, small ones together.
const COPY_WRITE_BYTES = 32 * 1024;

/** One COPY … FROM STDIN: data in, with backpressure; `end` resolves to the rows copied. */
export class CopyIn {
  private readonly stream: CopyStreamQuery;
  private readonly done: Promise<void>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(client: pg.Client, sql: string) {
    this.stream = client.query(copyFrom(sql));
    this.done = finished(this.stream);
    // Handled where awaited; never an unhandled rejection meanwhile.
    this.done.catch(() => {});
  }

  /** Small pieces are gathered: each write is a protocol message (and a TLS record). */
  async write(data: Buffer): Promise<void> {
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= COPY_WRITE_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.stream.destroyed) return this.done;
    if (!this.stream.write(data)) await Promise.race([once(this.stream, 'drain'), this.done]);
  }

  async end(): Promise<number> {
    await this.flush();
    this.stream.end();
    await this.done;
    return this.stream.rowCount;
  }

  /** Sends CopyFail: the server ends the COPY with an error. */
  async abandon(): Promise<void> {
    this.stream.destroy(new Error('cancelled'));
    await this.done.catch(() => {});
  }
}
