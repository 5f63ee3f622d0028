/**
 * GetDbError across copies of get-db's code: the CLI's bundle carries its own copy of the
 * errors module and loads undici, pg and clack from the library's files (tsup.config.ts), so
 * an error made by one copy must be recognised by the other.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ERROR_CODES, GetDbError, isGetDbError, asGetDbError } from '../src/errors.js';

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

test("docs/cli.md's list of error codes is every code, each with its exit code", async () => {
  const docs = await readFile(join(import.meta.dirname, '..', 'docs', 'cli.md'), 'utf8');
  const list = docs.slice(docs.indexOf('Error codes (also'), docs.indexOf('\n\n', docs.indexOf('Error codes (also')));
  // "`A`, `B` (exit 2); `C`, `D` (exit 1); …": each code takes the exit code written after it.
  const listed: Record<string, number> = {};
  const pending: string[] = [];
  for (const [, code, exit] of list.matchAll(/`([A-Z_]+)`|\(exit (\d+)\)/g)) {
    if (code) pending.push(code);
    else for (const name of pending.splice(0)) listed[name] = Number(exit);
  }
  expect(listed).toEqual({ ...ERROR_CODES });
});
