import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { GetDbError } from '../src/errors.js';
import { locatePosition, StatementBatch, type SourceStatement } from '../src/seed/batcher.js';
import { classifyStatement, leadingWords, statementHead } from '../src/seed/classify.js';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { connectTarget } from '../src/seed/prescan.js';
import { checkSeedInputs } from '../src/seed/input-checks.js';
import { openSeedSource } from '../src/seed/sources.js';
import { tempDir } from './helpers/seed.js';
import { withRandom } from './helpers/random.js';

describe('pgConfigFromUrl', () => {
  test('a Neon URL: decoded parts, verified TLS with SNI, channel binding', () => {
    const config = pgConfigFromUrl('postgresql://neondb_owner:p%40ss%3Aw%2Frd@ep-x-123-pooler.us-east-2.aws.neon.tech/neon%20db?sslmode=require&channel_binding=require');
    expect(config).toMatchObject({
      host: 'ep-x-123-pooler.us-east-2.aws.neon.tech',
      port: 5432,
      user: 'neondb_owner',
      password: 'p@ss:w/rd',
      database: 'neon db',
      ssl: { rejectUnauthorized: true, servername: 'ep-x-123-pooler.us-east-2.aws.neon.tech' },
      enableChannelBinding: true,
      application_name: 'get-db',
      connectionTimeoutMillis: 30_000,
    });
  });

  test.each(['require', 'verify-ca', 'verify-full', 'prefer'])('sslmode=%s verifies the certificate', (mode) => {
    expect(pgConfigFromUrl(`postgres://u:p@db.example.com:6543/d?sslmode=${mode}`).ssl).toEqual({ rejectUnauthorized: true, servername: 'db.example.com' });
  });

  test('no TLS for sslmode=disable or none; no SNI for IP addresses; IPv6; connect_timeout; defaults', () => {
    expect(pgConfigFromUrl('postgres://u@localhost/d?sslmode=disable').ssl).toBe(false);
    expect(pgConfigFromUrl('postgres://u@localhost/d').ssl).toBe(false);
    expect(pgConfigFromUrl('postgres://u@127.0.0.1/d?sslmode=verify-full').ssl).toEqual({ rejectUnauthorized: true });
    const v6 = pgConfigFromUrl('postgres://u@[::1]:5433/d?sslmode=require&connect_timeout=5');
    expect(v6).toMatchObject({ host: '::1', port: 5433, ssl: { rejectUnauthorized: true }, connectionTimeoutMillis: 5_000, enableChannelBinding: false });
    expect(pgConfigFromUrl('postgres://alice@h').database).toBe('alice');
  });

  test.each(['not a url', 'mysql://u@h/d', 'postgres://u@h/d?sslmode=bogus', 'postgres://u:%zz@h/d', 'postgres://u@h/d?connect_timeout=x'])(
    'rejects %s',
    (url) => expect(() => pgConfigFromUrl(url)).toThrow(GetDbError),
  );
});

describe('classifyStatement', () => {
  test.each([
    ['CREATE INDEX CONCURRENTLY i ON t (a);', 'CREATE INDEX CONCURRENTLY'],
    ['-- c\n/* a /* nested */ comment */ create unique index concurrently i on t (a);', 'CREATE INDEX CONCURRENTLY'],
    ['DROP INDEX CONCURRENTLY i;', 'DROP INDEX CONCURRENTLY'],
    ['VACUUM (ANALYZE) t;', 'VACUUM'],
    ['REINDEX (VERBOSE) TABLE CONCURRENTLY t;', 'REINDEX CONCURRENTLY'],
    ['REINDEX DATABASE d;', 'REINDEX DATABASE'],
    ['CREATE DATABASE x;', 'CREATE DATABASE'],
    ['ALTER SYSTEM SET work_mem = 1;', 'ALTER SYSTEM'],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY;', 'DETACH PARTITION CONCURRENTLY'],
    ['CREATE INDEX i ON t (a);', undefined],
    ['REINDEX TABLE t;', undefined],
  ])('%s refuses a transaction: %s', (sql, refused) => {
    expect(classifyStatement(sql).refusesTransaction).toBe(refused);
  });

  test.each([
    ['BEGIN;', true], ['begin transaction isolation level serializable;', true], ['START TRANSACTION;', true],
    ['COMMIT;', true], ['END;', true], ['ROLLBACK;', true], ['ABORT;', true], ['PREPARE TRANSACTION \'x\';', true],
    ['ROLLBACK TO SAVEPOINT s;', false], ['ROLLBACK TRANSACTION TO s;', false], ['SAVEPOINT s;', false],
    ["DO $$ BEGIN PERFORM 1; END $$;", false], ['CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;', false],
  ])('%s controls transactions: %s', (sql, control) => {
    expect(classifyStatement(sql).transactionControl).toBe(control);
  });

  test('blank statements, heads and words', () => {
    expect(classifyStatement('  -- only a comment\n/* and */ ;').blank).toBe(true);
    expect(classifyStatement('SELECT 1;').blank).toBe(false);
    expect(statementHead('-- Name: t\n\nCREATE TABLE t (\r\n  id int\r\n);')).toBe('CREATE TABLE t (');
    expect(leadingWords('create /* x */ unique\tindex "Quoted"')).toEqual(['CREATE', 'UNIQUE', 'INDEX']);
  });
});

describe('batches and positions', () => {
  const statement = (sql: string, line: number, column = 1): SourceStatement => ({ sql, file: 'f.sql', line, column });

  test('a batch fills by characters or statements and is emptied by take()', () => {
    const batch = new StatementBatch({ maxChars: 20, maxStatements: 3 });
    batch.add(statement('SELECT 1;', 1));
    expect(batch.isFull()).toBe(false);
    batch.add(statement('SELECT 22;', 2));
    expect(batch.isFull()).toBe(true);
    expect(batch.take()).toEqual({ text: 'SELECT 1;\nSELECT 22;', statements: [statement('SELECT 1;', 1), statement('SELECT 22;', 2)] });
    expect(batch.size).toBe(0);
  });

  test('randomised: every character position maps back to its statement, line and column', () => withRandom((random) => {
    const alphabet = ['a', 'b', ' ', '\n', '\r\n', 'é', '😀', '𝄞', ';'];
    for (let round = 0; round < 200; round++) {
      const statements: SourceStatement[] = [];
      let line = 1 + Math.floor(random() * 50);
      for (let n = 1 + Math.floor(random() * 6); n > 0; n--) {
        const parts = Array.from({ length: 1 + Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]!);
        const column = 1 + Math.floor(random() * 4);
        statements.push(statement(parts.join(''), line, column));
        line += parts.filter((p) => p.includes('\n')).length + 1;
      }
      // Expected places, walking code points as the server counts them.
      const batch = new StatementBatch();
      statements.forEach((s) => batch.add(s));
      const { text } = batch.take();
      const expected: Array<{ index: number; line: number; column: number } | undefined> = [];
      statements.forEach((s, index) => {
        let l = s.line;
        let c = s.column;
        for (const char of s.sql) {
          expected.push({ index, line: l, column: c });
          if (char === '\n') (l++, (c = 1));
          else c++;
        }
        // The separator, or the end of input, and a `;` added to an unterminated statement.
        const added = s.sql.trimEnd().endsWith(';') ? 0 : 2;
        for (let k = 0; k <= added; k++) expected.push({ index, line: l, column: c });
      });
      expect(expected.length).toBe([...text].length + 1);
      expected.forEach((place, i) => {
        const found = locatePosition(statements, i + 1);
        expect(found && { index: found.index, ...found.location }).toEqual(place);
      });
    }
  }));
});

describe('seed sources', () => {
  const fileUnit = (path: string) => ({ kind: 'file' as const, path, name: path, size: readFileSync(path).length });
  const readAll = async (path: string) => {
    const source = await openSeedSource(fileUnit(path));
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(chunk);
    return { text: Buffer.concat(chunks).toString(), chunks: chunks.length, source };
  };

  test('unreadable paths are refused with SEED_FILE_UNREADABLE; folders and standard input are inputs', async () => {
    const dir = tempDir();
    await expect(checkSeedInputs([join(dir, 'nope.sql')])).rejects.toMatchObject({ code: 'SEED_FILE_UNREADABLE', message: expect.stringContaining('does not exist') });
    await expect(checkSeedInputs([dir, '-'])).resolves.toBeUndefined();
    await expect(checkSeedInputs(['-', '-'])).rejects.toMatchObject({ code: 'USAGE' });
  });

  test('multi-byte characters across read chunks survive, plain and gzipped (by its bytes, whatever the name); a BOM is dropped', async () => {
    const dir = tempDir();
    // Over the reader's 1 MiB chunk, so characters straddle chunks.
    const text = Array.from({ length: 1_000_000 }, (_, i) => ['é', '€', '😀', 'a\r\n'][i % 4]).join('');
    writeFileSync(join(dir, 'a.sql'), '\uFEFF' + text);
    writeFileSync(join(dir, 'a.sql.gz'), gzipSync('\uFEFF' + text));
    writeFileSync(join(dir, 'gzipped-but-named.sql'), gzipSync(text));
    for (const name of ['a.sql', 'a.sql.gz', 'gzipped-but-named.sql']) {
      const { text: read, chunks, source } = await readAll(join(dir, name));
      expect(read === text).toBe(true);
      expect(chunks).toBeGreaterThan(1);
      expect(source.bytesRead).toBe(readFileSync(join(dir, name)).length);
    }
  });

  test('statements and COPY rows across the reader\'s 1 MiB chunks split as the whole text does (the rest of a chunk joins the next in its headroom)', async () => {
    const parts: string[] = [];
    for (let i = 0, size = 0; size < 3_500_000; i++, size += parts.at(-1)!.length) {
      parts.push(i % 7 === 0
        ? `COPY t (a, b) FROM stdin;\n${Array.from({ length: 40 + (i % 13) * 90 }, (_, r) => `${r}\tvalue ${'é'.repeat(r % 5)} ${i}\n`).join('')}\\.\n`
        : `INSERT INTO t VALUES (${i}, 'text ${'x'.repeat(i % 300)}');\n`);
    }
    const text = parts.join('');
    const path = join(tempDir(), 'big.sql');
    writeFileSync(path, text);
    const { splitAll, splitText } = await import('./helpers/splitter.js');
    expect(await splitAll(await openSeedSource(fileUnit(path)))).toEqual(await splitText(text, text.length + 1));
  });

  test('gzip cut short is a clear error about its bytes', async () => {
    const path = join(tempDir(), 'bad.sql.gz');
    writeFileSync(path, gzipSync('SELECT 1;\n'.repeat(10_000)).subarray(0, 200));
    const failure = readAll(path);
    await expect(failure).rejects.toMatchObject({ code: 'SEED_FILE_UNREADABLE', message: expect.stringContaining('not valid gzip') });
    await expect(readAll(path)).rejects.toMatchObject({ hint: expect.stringContaining('gzip -t') });
  });
});

test.each([
  [[], undefined], [['-'], undefined], [['shop'], 'shop'], [['"my db"'], 'my db'],
  [['-reuse-previous=on', "dbname='neon\\'db'"], "neon'db"], [['postgresql://h/other'], 'other'], [['host=x'], undefined],
])('\\connect %j targets %s', (args, target) => {
  expect(connectTarget(args as string[])).toBe(target);
});
