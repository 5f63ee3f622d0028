import { expect } from 'vitest';
import { GetDbError, type ErrorCode } from '../../src/errors.js';

/** The GetDbError a promise rejects with; fails the test if it resolves or the code differs. */
export async function expectCode(promise: Promise<unknown>, code?: ErrorCode): Promise<GetDbError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GetDbError);
  if (code !== undefined) expect((error as GetDbError).code, (error as Error).message).toBe(code);
  return error as GetDbError;
}
