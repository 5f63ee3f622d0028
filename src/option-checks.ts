/**
 * instantPostgres's options as a JavaScript caller (or a config file) may really pass them:
 * TypeScript's types are gone at run time, and `force: 'no'` would otherwise replace a
 * database, `dotEnvFile: 5` end as an INTERNAL TypeError. Each wrong one is USAGE, named.
 */
import { GetDbError } from './errors.js';

type Check = readonly [name: string, expected: string, ok: (value: unknown) => boolean];

const isString = (value: unknown) => typeof value === 'string';
const isBoolean = (value: unknown) => typeof value === 'boolean';
const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

// null is read as "not given" (the defaults apply), as the code always has.
const CHECKS: readonly Check[] = [
  ['dotEnvFile', 'a string', isString],
  ['dotEnvKey', 'a string', isString],
  ['envPrefix', 'a string', isString],
  ['apiUrl', 'a string', isString],
  ['cwd', 'a string', isString],
  ['force', 'true or false', isBoolean],
  ['gitignore', 'true or false', isBoolean],
  ['settings', 'an object, e.g. { logicalReplication: true }', isObject],
  ['seed', 'an object, e.g. { type: "sql-script", path: "schema.sql" }', isObject],
  ['signal', 'an AbortSignal', (value) => value instanceof AbortSignal],
  ['onStep', 'a function', (value) => typeof value === 'function'],
];

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function check(options: Record<string, unknown>, [name, expected, ok]: Check, prefix = ''): void {
  const value = options[name];
  if (value === undefined || value === null || ok(value)) return;
  throw new GetDbError('USAGE', `The option ${prefix}${name} must be ${expected}, not ${describe(value)}.`);
}

/**
 * Throws USAGE for the first option of the wrong type; unknown options are left alone.
 *
 * @example
 * checkOptionTypes({ referrer: 'my-app', force: 'no' }); // USAGE: The option force must be true or false, not the string "no".
 */
export function checkOptionTypes(options: Record<string, unknown>): void {
  for (const entry of CHECKS) check(options, entry);
  if (isObject(options.settings)) check(options.settings as Record<string, unknown>, ['logicalReplication', 'true or false', isBoolean], 'settings.');
  if (isObject(options.seed)) checkSeed(options.seed as Record<string, unknown>);
}

/** Both parts are needed: `type` says how to read `path` (an SQL script is the one kind; a dump or a folder of them reads as one). */
function checkSeed(seed: Record<string, unknown>): void {
  if (seed.type !== 'sql-script') {
    throw new GetDbError('USAGE', `The option seed.type must be "sql-script" (the one kind there is), not ${seed.type === undefined ? 'missing' : describe(seed.type)}.`);
  }
  const paths = Array.isArray(seed.path) ? seed.path : [seed.path];
  if (paths.length === 0 || paths.some((path) => typeof path !== 'string' || path === '')) {
    throw new GetDbError('USAGE', `The option seed.path must name an SQL file, a dump or a folder of migrations (or a list of them), e.g. seed: { type: "sql-script", path: "schema.sql" }, not ${seed.path === undefined ? 'missing' : describe(seed.path)}.`);
  }
}
