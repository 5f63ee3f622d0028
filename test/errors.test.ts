/**
 * GetDbError across copies of get-db's code: the CLI's bundle carries its own copy of the
 * errors module and loads undici, pg and clack from the library's files (tsup.config.ts), so
 * an error made by one copy must be recognised by the other.
 */
import { expect, test } from 'vitest';
import { GetDbError, isGetDbError, asGetDbError } from '../src/errors.js';

type ErrorsModule = typeof import('../src/errors.js');

test('a GetDbError from another copy of the module is a GetDbError here, and the other way round', async () => {
  // The query makes Vite load the file as a second, separate module.
  const copy = (await import('../src/errors.js?second-copy' as string)) as ErrorsModule;
  expect(copy.GetDbError).not.toBe(GetDbError);
  const theirs = new copy.GetDbError('API_ERROR', 'from the other copy', { hint: 'h' });
  expect(theirs instanceof GetDbError).toBe(true);
  expect(isGetDbError(theirs)).toBe(true);
  // Not wrapped as INTERNAL: its code and exit code survive the crossing.
  expect(asGetDbError(theirs)).toBe(theirs);
  expect(asGetDbError(theirs).exitCode).toBe(1);
  expect(new GetDbError('USAGE', 'from here') instanceof copy.GetDbError).toBe(true);
});

test('look-alikes and other values are not GetDbErrors', () => {
  const lookAlike = Object.assign(new Error('x'), { name: 'GetDbError', code: 'USAGE', hint: undefined });
  for (const value of [lookAlike, new Error('x'), { code: 'USAGE' }, null, undefined, 'GetDbError', 42]) {
    expect(value instanceof GetDbError).toBe(false);
    expect(isGetDbError(value)).toBe(false);
  }
  expect(asGetDbError(lookAlike).code).toBe('INTERNAL');
});

test('the mark is invisible: not enumerable, so not in spreads or JSON', () => {
  const error = new GetDbError('NETWORK', 'down', { details: { status: 0 } });
  expect(Object.getOwnPropertySymbols(error).map((symbol) => Object.getOwnPropertyDescriptor(error, symbol)?.enumerable)).toEqual([false]);
  expect(Object.getOwnPropertySymbols({ ...error })).toEqual([]);
  expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'GetDbError', code: 'NETWORK', details: { status: 0 } });
});
