/**
 * The one error class every face of get-db throws. `code` is stable: scripts, the
 * library's callers and the CLI's `--json` output all branch on it.
 */
export const ERROR_CODES = {
  // Bad input: nothing was created (exit 2).
  USAGE: 2,
  INVALID_ENV_PATH: 2,
  INVALID_KEY: 2,
  INVALID_PREFIX: 2,
  INVALID_REFERRER: 2,
  INVALID_API_URL: 2,
  SEED_FILE_UNREADABLE: 2,
  // The env file already holds the key and the caller asked not to replace it.
  KEY_EXISTS: 1,
  // Talking to the API (exit 1).
  NETWORK: 1,
  TIMEOUT: 1,
  API_ERROR: 1,
  UNEXPECTED_RESPONSE: 1,
  NOT_FOUND: 1,
  // After the database exists (exit 1).
  ENV_WRITE_FAILED: 1,
  ENV_READ_FAILED: 1,
  // Another get-db run held the env file's lock for longer than this run would wait.
  ENV_LOCKED: 1,
  NO_CLAIM_URL: 1,
  NO_DATABASE_URL: 1,
  SEED_FAILED: 1,
  SEED_UNSUPPORTED: 1,
  // run_sql (MCP): the SQL failed, or its database could not be reached.
  SQL_FAILED: 1,
  SERVE_FAILED: 1,
  // serve cannot take this request now (PostgreSQL away, or no room for another database): HTTP 503.
  SERVE_UNAVAILABLE: 1,
  // Not one of the above: a bug, or a caller's callback throwing. The CLI's JSON uses it too.
  INTERNAL: 1,
  CANCELLED: 130,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GetDbErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts (e.g. the seed file, line and column). */
  details?: Record<string, unknown>;
}

// Marks every GetDbError, whichever copy of this module made it: the CLI's own bundle and the
// library's files each carry one (see tsup.config.ts), and an error crosses between them.
const BRAND = Symbol.for('get-db.GetDbError');

export class GetDbError extends Error {
  /** `instanceof` holds for a GetDbError from any copy of get-db's code in this process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  override readonly name = 'GetDbError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: GetDbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  get exitCode(): number {
    return ERROR_CODES[this.code];
  }
}

export function isGetDbError(value: unknown): value is GetDbError {
  return value instanceof GetDbError;
}

/** An AbortSignal fired: the user (or the caller) cancelled. */
export function cancelledError(cause?: unknown): GetDbError {
  return new GetDbError('CANCELLED', 'Cancelled', { cause });
}

/** Keeps "one error class" true for library callers: anything else is wrapped, with its cause. */
export function asGetDbError(error: unknown, hint = 'The original error is its cause.'): GetDbError {
  if (isGetDbError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GetDbError('INTERNAL', `Unexpected error: ${message}`, { hint, cause: error });
}

/**
 * The same failure with more facts in `details` (any thrown value becomes INTERNAL first):
 * how every failure after a database exists comes to name it.
 *
 * @example
 * throw withDetails(error, { databaseId: db.id, claimUrl: db.claim_url });
 */
export function withDetails(failure: unknown, details: Record<string, unknown>): GetDbError {
  const error = asGetDbError(failure);
  return new GetDbError(error.code, error.message, {
    hint: error.hint,
    cause: failure,
    details: { ...error.details, ...details },
  });
}
