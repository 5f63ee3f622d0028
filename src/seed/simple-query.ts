/**
 * A simple-protocol query pg sends as given (one round trip, several statements allowed),
 * whose outcome is a promise that never rejects: what ran, and the error if one stopped it.
 * The seed's batches and the MCP's run_sql each say what they keep of the replies.
 */
import type pg from 'pg';

/**
 * The protocol plumbing both share; a subclass reads the replies it cares about and says
 * what its outcome is (`result`) and why COPY FROM STDIN is refused (`copyRefusal`).
 *
 * @example
 * class Done extends SimpleQuery<{ error?: Error }> {
 *   protected copyRefusal = 'no COPY here';
 *   protected result(error?: Error) { return { error }; }
 * }
 * const { error } = await client.query(new Done('select 1')).outcome;
 */
export abstract class SimpleQuery<Outcome> implements pg.Submittable {
  readonly outcome: Promise<Outcome>;
  private settle!: (outcome: Outcome) => void;
  /** Sent to the server as CopyFail: there is no data to send from here. */
  protected abstract readonly copyRefusal: string;

  constructor(readonly text: string) {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }

  protected abstract result(error: Error | undefined): Outcome;

  submit(connection: pg.Connection): void {
    connection.query(this.text);
  }

  // pg replaces this with its query_timeout hook when one is configured.
  callback(): void {}
  handleRowDescription(_message: { fields: unknown[] }): void {}
  handleDataRow(_message: { fields: Array<string | null> }): void {}
  handleCommandComplete(_message: { text: string }): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
  handleEmptyQuery(): void {}

  handleCopyInResponse(connection: pg.Connection): void {
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail(this.copyRefusal);
  }

  handleError(error: Error): void {
    this.settle(this.result(error));
  }

  handleReadyForQuery(): void {
    this.settle(this.result(undefined));
  }
}
