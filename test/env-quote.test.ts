/**
 * The quoting rule, proved against the four readers users have: POSIX sh (`set -a; . ./.env`),
 * `node --env-file`, dotenv.parse and Vite's loadEnv (dotenv + dotenv-expand).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'dotenv';
import { loadEnv } from 'vite';
import { expect, test } from 'vitest';
import { quoteEnvValue } from '../src/env/env-block.js';
import { isGetDbError } from '../src/errors.js';
import { mulberry32, randomSeed, randomString, replayNote } from './helpers/random.js';

const run = promisify(execFile);
const PREFIX = 'GETDB_Q_';
const PRINT_ENV = `const o={};for(const k of Object.keys(process.env))if(k.startsWith(${JSON.stringify(PREFIX)}))o[k]=process.env[k];process.stdout.write(JSON.stringify(o))`;

async function shAvailable(): Promise<boolean> {
  return run('sh', ['-c', 'true']).then(
    () => true,
    () => false,
  );
}

async function readAll(dir: string, text: string, withSh: boolean): Promise<Record<string, Record<string, string>>> {
  const readers: Record<string, Record<string, string>> = {};
  readers.dotenv = parse(text);
  readers.vite = loadEnv('development', dir, PREFIX);
  readers.node = JSON.parse((await run(process.execPath, ['--env-file=.env', '-e', PRINT_ENV], { cwd: dir })).stdout);
  if (withSh) {
    // The values travel back through node so that sh never has to print them itself.
    readers.sh = JSON.parse((await run('sh', ['-c', 'set -a; . ./.env; exec "$0" -e "$1"', process.execPath, PRINT_ENV], { cwd: dir })).stdout);
  }
  return readers;
}

/** Quotes what it can; every value written must read back identically in every reader. */
async function proveAgreement(values: string[]): Promise<{ written: number; refused: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'get-db-quote-'));
  const expected: Record<string, string> = {};
  const lines: string[] = [];
  const refused: string[] = [];
  for (const value of values) {
    try {
      const quoted = quoteEnvValue(value);
      const key = `${PREFIX}${lines.length}`;
      lines.push(`${key}=${quoted}`);
      expected[key] = value;
    } catch (error) {
      if (!isGetDbError(error) || error.code !== 'ENV_WRITE_FAILED') throw error;
      refused.push(value);
    }
  }
  const text = lines.join('\n') + '\n';
  await writeFile(join(dir, '.env'), text);
  const readers = await readAll(dir, text, await shAvailable());
  for (const [reader, got] of Object.entries(readers)) expect(got, reader).toEqual(expected);
  return { written: lines.length, refused };
}

const AWKWARD = ` !"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~` + 'aZ09';

test('percent-encoded URLs with awkward passwords are always written, and all four readers agree', async () => {
  const seed = randomSeed();
  const random = mulberry32(seed);
  const urls = Array.from({ length: 300 }, () => {
    const password = encodeURIComponent(randomString(random, AWKWARD + 'é€', 1, 24));
    return `postgresql://neondb_owner:${password}@ep-x-pooler.c-2.neon.test/neondb?channel_binding=require&sslmode=require`;
  });
  const { refused } = await proveAgreement(urls).catch((error: unknown) => {
    throw new Error(`${replayNote(seed)}: ${String(error)}`, { cause: error });
  });
  expect(refused, replayNote(seed)).toEqual([]);
});

test('raw awkward values: either refused with ENV_WRITE_FAILED or read back identically by all four', async () => {
  const seed = randomSeed();
  const random = mulberry32(seed);
  const values = [
    ...["it's", 'a#b', 'a # b', 'a\\b', 'x$', '$1', 'a"b', 'back`tick', ' padded ', '', 'p&q?r=s;t|u', "a'b$c", '${A}', '$HOME', 'a\\$b', 'a\nb', 'end\\'],
    ...Array.from({ length: 200 }, () => randomString(random, AWKWARD, 0, 16)),
  ];
  const { written, refused } = await proveAgreement(values).catch((error: unknown) => {
    throw new Error(`${replayNote(seed)}: ${String(error)}`, { cause: error });
  });
  expect(refused).toEqual(expect.arrayContaining(["a'b$c", '${A}', '$HOME', 'a\\$b', 'a\nb', 'end\\']));
  expect(written).toBeGreaterThan(100);
});
