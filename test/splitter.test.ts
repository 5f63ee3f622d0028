import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GetDbError } from '../src/errors.js';
import { chunked, prng, randomSizes, replayNote, splitAll, splitterSeed, splitText, sqlOf } from './helpers/splitter.js';

const LEXICAL = resolve(import.meta.dirname, '../fixtures/seed/lexical');
const fixture = (name: string): string => readFileSync(resolve(LEXICAL, name), 'utf8');
const splitFixture = async (name: string) => splitText(fixture(name));

describe('splitSql on the lexical fixtures', () => {
  test("'…' strings: '' is a quote, a backslash is an ordinary character", async () => {
    expect(sqlOf(await splitFixture('strings.sql'))).toEqual([
      "SELECT 'a;b', 'it''s; fine';",
      "SELECT 'ends with a backslash\\';",
      "SELECT 'multi\nline; string';",
      "SELECT 'adjacent'\n  'continued;'\n  'lines';",
    ]);
  });

  test("E'…' strings: \\' and \\\\ are escapes", async () => {
    expect(sqlOf(await splitFixture('escape-strings.sql'))).toEqual([
      "SELECT E'it\\'s; escaped', e'back\\\\';",
      "SELECT E'\\\\\\';', E'tab\\there''q;';",
      "SELECT E'\\x41;' AS hex, E'\\u00e9;';",
    ]);
  });

  test("U&'…', U&\"…\", B'…', X'…', N'…'; e and b alone are identifiers", async () => {
    expect(sqlOf(await splitFixture('prefixed-strings.sql'))).toEqual([
      'SELECT U&\'d\\0061t;a\', U&"col;umn" FROM (SELECT 1 AS "col;umn") s;',
      "SELECT B'1010', X'1F', N'nat;ional';",
      'SELECT 1 AS e, 2 AS b;',
      "SELECT 'x' AS one ;",
    ]);
  });

  test('"quoted identifiers" with "" escapes hide ; -- and /*', async () => {
    const items = await splitFixture('quoted-identifiers.sql');
    expect(sqlOf(items)).toHaveLength(2);
    expect(sqlOf(items)[1]).toBe('SELECT "it""s;" FROM "semi;colon";');
  });

  test('dollar quotes: $$, $tag$, other tags inside, $1 parameters, $ inside identifiers', async () => {
    expect(sqlOf(await splitFixture('dollar-quotes.sql'))).toEqual([
      "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$;",
      'DO $body$ BEGIN PERFORM $$;$$; END $body$;',
      'SELECT $a$ $b$ ; $ab$ $a$, $_x1$;$_x1$, $é$;$é$;',
      'PREPARE p(int) AS SELECT $1;',
      'SELECT 1 AS a$b, 2 AS "x$$";',
      'SELECT $q$it\'s "quoted"; -- and /* not a comment$q$;',
    ]);
  });

  test('comments: -- and nested /* */ hide ;, leading ones are dropped, comment-only tails give nothing', async () => {
    const items = await splitFixture('comments.sql');
    expect(sqlOf(items)).toEqual(['SELECT 1 /* inline; */ + 2 -- trailing; comment\n;', 'SELECT 2;']);
    expect(items[0]).toMatchObject({ line: 4, column: 1 });
  });

  test('psql splits at parenthesis depth 0 only (a rule with several actions is one statement)', async () => {
    const sql = sqlOf(await splitFixture('parens.sql'));
    expect(sql).toHaveLength(4);
    expect(sql[2]).toMatch(/^CREATE RULE .*\(NEW\.v\)\);$/);
  });

  test('BEGIN ATOMIC … END bodies (with CASE … END) are one statement; a BEGIN; transaction is not', async () => {
    const sql = sqlOf(await splitFixture('begin-atomic.sql'));
    expect(sql).toEqual([
      'CREATE FUNCTION add_one(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT a + 1;\nEND;',
      'CREATE OR REPLACE PROCEDURE touch(x int) LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 2 END;\n  SELECT x;\nEND;',
      'BEGIN;',
      'SELECT add_one(1);',
      'END;',
      'CREATE TABLE begin_end (id int);',
    ]);
  });

  test('COPY … FROM stdin: data passes untouched up to a line that is exactly \\.; COPY … TO stdout is a statement', async () => {
    const items = await splitFixture('copy.sql');
    expect(items.map((item) => item.kind)).toEqual([
      'statement',
      'copy-start', 'copy-data', 'copy-end',
      'copy-start', 'copy-data', 'copy-end',
      'statement',
      'copy-start', 'copy-end',
      'statement', 'statement',
      'copy-start', 'copy-data', 'copy-end',
    ]);
    expect(items[1]).toEqual({ kind: 'copy-start', sql: 'COPY c (a, b)\n  FROM stdin\n  WITH (FORMAT csv);', line: 2, column: 1 });
    expect(items[2]).toEqual({ kind: 'copy-data', data: 'x;y,"q""uote;"\nback\\slash,a\\.b\n\\.x,\\.\\.\n' });
    expect(items[3]).toEqual({ kind: 'copy-end', line: 8 });
    expect(items[4]).toMatchObject({ sql: 'copy c FROM STDIN;', line: 9 });
    expect(items[5]).toEqual({ kind: 'copy-data', data: 't\\tab\tv\\\\\n' });
    expect(items[6]).toEqual({ kind: 'copy-end', line: 11 });
    expect(items[7]).toMatchObject({ sql: 'COPY c TO stdout;', line: 12 });
    expect(items[10]).toMatchObject({ sql: "COPY (SELECT 'from stdin' FROM c) TO STDOUT;" });
    expect(items[11]).toMatchObject({ sql: "SELECT 'after';", line: 16 });
    expect(items[13]).toEqual({ kind: 'copy-data', data: 'last\tline without end\n' });
    // No \\. before the end: the block ends there (on the empty last line).
    expect(items[14]).toEqual({ kind: 'copy-end', line: 19 });
  });

  test('meta-command lines are items with their arguments unquoted', async () => {
    const items = await splitFixture('meta.sql');
    expect(items).toEqual([
      { kind: 'meta', command: 'restrict', args: ['AbC123'], line: 1, column: 1 },
      { kind: 'statement', sql: 'SELECT 1;', line: 2, column: 1 },
      { kind: 'meta', command: 'connect', args: ['-reuse-previous=on', "dbname='my db'"], line: 3, column: 1 },
      { kind: 'meta', command: 'c', args: ['mydb'], line: 4, column: 3 },
      { kind: 'meta', command: 'set', args: ['name', "it's a value"], line: 5, column: 1 },
      { kind: 'statement', sql: 'SELECT 2;', line: 6, column: 1 },
      { kind: 'meta', command: 'unrestrict', args: ['AbC123'], line: 7, column: 1 },
    ]);
  });

  test('(its BOM dropped by the source) \\r\\n counts as one line break; a last statement without ; is kept, without its trailing comment', async () => {
    expect(await splitFixture('crlf-bom.sql')).toEqual([
      { kind: 'statement', sql: 'SELECT 1;', line: 1, column: 1 },
      { kind: 'statement', sql: "SELECT 'a\r\nb';", line: 3, column: 3 },
      { kind: 'statement', sql: 'SELECT\r\n 3', line: 5, column: 1 },
    ]);
  });

  test.each([
    ['unterminated-string.sql', 'test.sql:2:8: unterminated quoted string', 2, 8],
    ['unterminated-comment.sql', 'test.sql:2:3: unterminated /* comment', 2, 3],
    ['unterminated-dollar.sql', 'test.sql:2:4: unterminated dollar-quoted string', 2, 4],
  ])('%s throws SEED_FAILED at the opening, after the statements before it', async (name, message, line, column) => {
    const seen: string[] = [];
    const error = await (async () => {
      try {
        for (const item of await splitAll(chunked(fixture(name), () => 3))) seen.push(item.kind);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GetDbError);
    expect(error).toMatchObject({ code: 'SEED_FAILED', details: { file: 'test.sql', line, column } });
    expect((error as Error).message).toContain(message);
  });

  test('whitespace or comments only give no items', async () => {
    expect(await splitText('')).toEqual([]);
    expect(await splitText('\ufeff \n-- x;\n/* ; */\r\n')).toEqual([]);
  });

  test('COPY … FROM stdin is recognised across comments and line breaks, not in strings or parentheses', async () => {
    const kinds = async (text: string) => (await splitText(text)).map((item) => item.kind).join(' ');
    expect(await kinds('COPY t FROM /* c */ -- d\n STDIN;\n1\n\\.\n')).toBe('copy-start copy-data copy-end');
    expect(await kinds("COPY t FROM 'stdin';\nSELECT 1;")).toBe('statement statement');
    expect(await kinds('COPY (SELECT 1 FROM stdin) TO stdout;')).toBe('statement');
    expect(await kinds('SELECT 1 FROM stdin;\n')).toBe('statement');
    // FROM and STDIN must be adjacent words: any other token between them breaks the pair.
    expect(await kinds("COPY t FROM 'f' stdin;\nSELECT 1;")).toBe('statement statement');
    expect(await kinds('COPY t FROM $$f$$ stdin;\nSELECT 1;')).toBe('statement statement');
  });

  test('a backslash outside quotes ends the statement before it, as in psql (inside quotes it is text)', async () => {
    expect(await splitText("SELECT 1\n\\gset\n;\n \\echo hi;\nSELECT E'a\\\\b', 'c\\';\n")).toEqual([
      { kind: 'statement', sql: 'SELECT 1', line: 1, column: 1 },
      { kind: 'meta', command: 'gset', args: [], line: 2, column: 1, inStatement: true },
      { kind: 'statement', sql: ';', line: 3, column: 1 },
      { kind: 'meta', command: 'echo', args: ['hi;'], line: 4, column: 2 },
      { kind: 'statement', sql: "SELECT E'a\\\\b', 'c\\';", line: 5, column: 1 },
    ]);
  });

  test('text after COPY … FROM stdin; on its line is refused with its place', async () => {
    await expect(splitText('SELECT 1;\nCOPY t FROM stdin; SELECT 2;\n1\n\\.\n')).rejects.toMatchObject({
      code: 'SEED_FAILED',
      details: { line: 2, column: 19 },
    });
  });
});

describe('chunking never changes the result', () => {
  const names = readdirSync(LEXICAL).filter((name) => name.endsWith('.sql') && !name.startsWith('unterminated'));

  test.each(names)('%s, cut at random places (sizes from 1), 40 times', async (name) => {
    const text = fixture(name).replace(/^\uFEFF/, '');
    const whole = await splitText(text);
    const seed = splitterSeed();
    const random = prng(seed);
    for (let round = 0; round < 40; round++) {
      const sizes = round === 0 ? () => 1 : randomSizes(random);
      expect(await splitAll(chunked(text, sizes)), `${replayNote(seed)}, round ${round}`).toEqual(whole);
    }
  });
});
