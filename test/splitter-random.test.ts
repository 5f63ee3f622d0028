/**
 * The splitter against the truth: random scripts whose statements we know, and the
 * real PostgreSQL, which must give the same results for the split statements run one
 * by one as for the whole script sent in one simple query (which it splits itself).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { freshDatabase } from './helpers/seed.js';
import { chunked, prng, randomSizes, replayNote, splitAll, splitterSeed, splitText, sqlOf } from './helpers/splitter.js';
import { randomScript } from './helpers/random-sql.js';

const SCRIPTS = 25;
const STATEMENTS = 12;

interface Outcome { command: string; rows: unknown[][] }

async function connectTo(database: string): Promise<pg.Client> {
  const client = new pg.Client({ ...pgConfigFromUrl(inject('postgres').adminUrl), database });
  await client.connect();
  return client;
}

function outcomes(results: pg.QueryResult | pg.QueryResult[]): Outcome[] {
  return (Array.isArray(results) ? results : [results]).map((result) => ({ command: result.command, rows: result.rows }));
}

async function runOneByOne(client: pg.Client, statements: string[]): Promise<Outcome[]> {
  const all: Outcome[] = [];
  for (const sql of statements) all.push(...outcomes(await client.query({ text: sql, rowMode: 'array' })));
  return all;
}

describe('random scripts: the splitter finds the statements they were made of, and PostgreSQL agrees', () => {
  let alone: pg.Client;
  let whole: pg.Client;
  beforeAll(async () => {
    const [first, second] = await Promise.all([freshDatabase(), freshDatabase()]);
    [alone, whole] = await Promise.all([connectTo(first.name), connectTo(second.name)]);
  });
  afterAll(async () => {
    await Promise.all([alone?.end(), whole?.end()]);
  });

  test(`${SCRIPTS} scripts of ${STATEMENTS} statements`, async () => {
    const seed = splitterSeed();
    const random = prng(seed);
    for (let round = 0; round < SCRIPTS; round++) {
      const schema = `s${round}`;
      const script = randomScript(random, STATEMENTS);
      const context = `${replayNote(seed)}, script ${round}:\n${script.text}`;
      const items = await splitAll(chunked(script.text, randomSizes(random)));
      expect(sqlOf(items), context).toEqual(script.statements);
      expect(items.every((item) => item.kind === 'statement'), context).toBe(true);

      const setup = `CREATE SCHEMA ${schema}; SET search_path = ${schema};`;
      await Promise.all([alone.query(setup), whole.query(setup)]);
      const oneByOne = await runOneByOne(alone, sqlOf(items));
      const together = outcomes(await whole.query({ text: script.text, rowMode: 'array' }) as unknown as pg.QueryResult[]);
      expect(oneByOne, context).toEqual(together);
      expect(oneByOne.length, context).toBe(STATEMENTS);
    }
  });

  test('every lexical fixture without COPY or meta-commands runs statement by statement as in one query', async () => {
    const dir = resolve(import.meta.dirname, '../fixtures/seed/lexical');
    const names = ['strings.sql', 'escape-strings.sql', 'prefixed-strings.sql', 'quoted-identifiers.sql', 'dollar-quotes.sql', 'comments.sql', 'parens.sql', 'begin-atomic.sql', 'crlf-bom.sql'];
    for (const name of names) {
      const text = readFileSync(resolve(dir, name), 'utf8').replace(/^\ufeff/, '');
      const setup = `CREATE SCHEMA f_${name.replace(/\W/g, '_')}; SET search_path = f_${name.replace(/\W/g, '_')};`;
      await Promise.all([alone.query(setup), whole.query(setup)]);
      const statements = sqlOf(await splitText(text));
      expect(await runOneByOne(alone, statements), name).toEqual(outcomes(await whole.query({ text, rowMode: 'array' }) as unknown as pg.QueryResult[]));
    }
  });
});
