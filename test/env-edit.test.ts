import { parse } from 'dotenv';
import { describe, expect, test } from 'vitest';
import { formatEnvBlock } from '../src/env/env-block.js';
import { applyEnvBlock, hasKey } from '../src/env/env-edit.js';
import { hasPendingSeed, removePendingSeed } from '../src/env/seed-pending.js';
import { detectEol, findAssignments, parseEnvEntries } from '../src/env/env-lines.js';

const NOW = new Date('2026-11-24T10:00:00Z');
const block = formatEnvBlock({
  key: 'DATABASE_URL',
  prefix: 'PUBLIC_',
  databaseUrl: 'postgresql://u:p@ep-x-pooler.neon.test/db?sslmode=require&channel_binding=require',
  databaseUrlDirect: 'postgresql://u:p@ep-x.neon.test/db?sslmode=require&channel_binding=require',
  claimUrl: 'https://instagres.com/claim/abc',
  expiresAt: new Date('2026-02-01T12:00:00Z'),
});
const insert = (text: string) => applyEnvBlock(text, { key: 'DATABASE_URL', prefix: 'PUBLIC_', block, replace: false, now: NOW });
const replace = (text: string) => applyEnvBlock(text, { key: 'DATABASE_URL', prefix: 'PUBLIC_', block, replace: true, now: NOW });
const ours = {
  DATABASE_URL: 'postgresql://u:p@ep-x-pooler.neon.test/db?sslmode=require&channel_binding=require',
  DATABASE_URL_DIRECT: 'postgresql://u:p@ep-x.neon.test/db?sslmode=require&channel_binding=require',
  PUBLIC_INSTAGRES_CLAIM_URL: 'https://instagres.com/claim/abc',
};

describe('formatEnvBlock', () => {
  test('writes the documented lines, values single-quoted', () => {
    expect(block).toEqual([
      '# Claimable DB expires at: Sun, 01 Feb 2026 12:00:00 GMT',
      '# Claim it now to your account: https://instagres.com/claim/abc',
      `DATABASE_URL='${ours.DATABASE_URL}'`,
      `DATABASE_URL_DIRECT='${ours.DATABASE_URL_DIRECT}'`,
      `PUBLIC_INSTAGRES_CLAIM_URL='${ours.PUBLIC_INSTAGRES_CLAIM_URL}'`,
    ]);
  });
});

describe('env-lines tokenizer', () => {
  const text = "\uFEFFexport A=\"x\"\r\nDATABASE_URL=postgres://old@host/db # c\r\nB='multi\r\nline'\r\n# end\nC=\nD: 1\nE=`b\nt`\nF=1";
  test('finds every assignment dotenv finds, with exact ranges', () => {
    const entries = parseEnvEntries(text);
    expect(entries.map((e) => e.key)).toEqual(Object.keys(parse(text)));
    expect(entries.map((e) => text.slice(e.start, e.end))).toEqual([
      'export A="x"\r\n',
      'DATABASE_URL=postgres://old@host/db # c\r\n',
      "B='multi\r\nline'\r\n",
      'C=\n',
      'D: 1\n',
      'E=`b\nt`\n',
      'F=1',
    ]);
    expect(entries.map((e) => text.slice(e.valueStart, e.valueEnd))).toEqual(['"x"', 'postgres://old@host/db', "'multi\r\nline'", '', '1', '`b\nt`', '1']);
    expect(entries[0]!.exported).toBe(true);
    expect(entries[1]!.exported).toBe(false);
  });
  test('findAssignments returns all of them in order; keys that merely look alike do not count', () => {
    const t = 'DATABASE_URL=a\nMY_DATABASE_URL=b\nDATABASE_URL_X=c\nexport DATABASE_URL=d\n';
    expect(findAssignments(t, 'DATABASE_URL').map((e) => t.slice(e.valueStart, e.valueEnd))).toEqual(['a', 'd']);
  });
  test('a key inside a multi-line quoted value is not an assignment', () => {
    expect(hasKey("X='one\nDATABASE_URL=inside'\n", 'DATABASE_URL')).toBe(false);
    expect(hasKey('# DATABASE_URL=commented\n', 'DATABASE_URL')).toBe(false);
    expect(hasKey('  export DATABASE_URL=x', 'DATABASE_URL')).toBe(true);
  });
  test('detectEol', () => {
    expect(detectEol('A=1\r\nB=2')).toBe('\r\n');
    expect(detectEol('A=1\nB=2')).toBe('\n');
    expect(detectEol('')).toBe('\n');
  });
});

describe('applyEnvBlock: insert', () => {
  test('into an empty or missing file: just the block', () => {
    expect(insert('')).toBe(block.join('\n') + '\n');
  });
  test('after a final newline: one blank line, then the block', () => {
    expect(insert('A=1\n')).toBe('A=1\n\n' + block.join('\n') + '\n');
  });
  test('no final newline: finishes the line first', () => {
    expect(insert('A=1')).toBe('A=1\n\n' + block.join('\n') + '\n');
  });
  test('CRLF files get CRLF lines; a BOM stays first', () => {
    expect(insert('\uFEFFA=1\r\n')).toBe('\uFEFFA=1\r\n\r\n' + block.join('\r\n') + '\r\n');
    expect(insert('\uFEFF')).toBe('\uFEFF' + block.join('\n') + '\n');
  });
  test('dotenv reads our values back', () => {
    expect(parse(insert('# c\nA="x # y"\n'))).toEqual({ A: 'x # y', ...ours });
  });
});

describe('applyEnvBlock: replace', () => {
  test('comments every old assignment (all physical lines), block where the first one was', () => {
    const text = "A=1\r\nexport DATABASE_URL='old\r\nvalue'\r\nB=2\r\nPUBLIC_INSTAGRES_CLAIM_URL=x\r\nC=3";
    expect(replace(text)).toBe(
      'A=1\r\n' +
        "# replaced by get-db on 2026-11-24: export DATABASE_URL='old\r\n# value'\r\n" +
        block.join('\r\n') +
        '\r\nB=2\r\n# replaced by get-db on 2026-11-24: PUBLIC_INSTAGRES_CLAIM_URL=x\r\nC=3',
    );
  });
  test('drops our own comment lines from an earlier run, old lines then the new block, keeps everything else', () => {
    const first = insert('# mine\nA=1\n');
    const second = replace(first);
    expect(second).toBe(
      '# mine\nA=1\n\n' +
        ['DATABASE_URL', 'DATABASE_URL_DIRECT', 'PUBLIC_INSTAGRES_CLAIM_URL']
          .map((k) => `# replaced by get-db on 2026-11-24: ${k}='${ours[k as keyof typeof ours]}'\n`)
          .join('') +
        block.join('\n') +
        '\n',
    );
    expect(parse(second)).toEqual({ A: '1', ...ours });
  });
  test('an unterminated last line that is ours gets a line break before the block', () => {
    expect(replace('A=1\nDATABASE_URL=old')).toBe('A=1\n# replaced by get-db on 2026-11-24: DATABASE_URL=old\n' + block.join('\n') + '\n');
  });
  test('a BOM before an old assignment stays at the start of the file', () => {
    expect(replace('\uFEFFDATABASE_URL=old\n').startsWith('\uFEFF# replaced by get-db on 2026-11-24: DATABASE_URL=old\n')).toBe(true);
  });
  test('without old assignments it appends like insert', () => {
    expect(replace('A=1\n')).toBe(insert('A=1\n'));
  });
  test('an unclosed quote in the file cannot swallow our lines: our first quote is never at a line end', () => {
    for (const text of ["X='unclosed\n", 'X="unclosed\n', "X='a\nDATABASE_URL='b\n", 'X=`a\n']) {
      expect(parse(insert(text))).toMatchObject(ours);
      expect(parse(replace(text))).toMatchObject(ours);
    }
  });
  test('refuses an edit that would change how the file reads (checked with dotenv itself)', () => {
    const badBlock = ['DATABASE_URL=b"'];
    const edit = () => applyEnvBlock('X="a\n', { key: 'DATABASE_URL', prefix: 'PUBLIC_', block: badBlock, replace: false, now: NOW });
    expect(edit).toThrow(expect.objectContaining({ code: 'ENV_WRITE_FAILED' }));
  });
});

describe('the "seed pending" note', () => {
  const withNote = formatEnvBlock({
    key: 'DATABASE_URL',
    prefix: 'PUBLIC_',
    databaseUrl: ours.DATABASE_URL,
    databaseUrlDirect: ours.DATABASE_URL_DIRECT,
    claimUrl: ours.PUBLIC_INSTAGRES_CLAIM_URL,
    expiresAt: new Date('2026-02-01T12:00:00Z'),
    seedPending: ['db/schema.sql', 'my data.sql'],
  });

  test('goes between the claim comment and the values; dotenv does not see it', () => {
    expect(withNote[2]).toBe('# get-db: seed pending for DATABASE_URL: db/schema.sql, "my data.sql" (run the same command again to apply it)');
    expect(withNote.filter((line) => line !== withNote[2])).toEqual(block);
    expect(parse(withNote.join('\n'))).toEqual(ours);
  });

  test('is found and removed for its key only, every other byte kept; a look-alike inside a quoted value is not a note', () => {
    const text = `A=1\r\n${withNote.join('\r\n')}\r\nQ="line one\r\n# get-db: seed pending for DATABASE_URL: inside.sql\r\n"\r\n# get-db: seed pending for PG_URL: x.sql\r\n`;
    expect(hasPendingSeed(text, 'DATABASE_URL')).toBe(true);
    expect(hasPendingSeed(text, 'PG_URL')).toBe(true);
    expect(hasPendingSeed(text, 'OTHER')).toBe(false);
    const removed = removePendingSeed(text, 'DATABASE_URL');
    expect(removed).toBe(text.replace(`${withNote[2]}\r\n`, ''));
    expect(hasPendingSeed(removed, 'DATABASE_URL')).toBe(false);
    expect(parse(removed)).toEqual(parse(text));
    const onlyInValue = 'Q="x\n# get-db: seed pending for DATABASE_URL: a.sql\n"\nDATABASE_URL=x\n';
    expect(hasPendingSeed(onlyInValue, 'DATABASE_URL')).toBe(false);
    expect(removePendingSeed(onlyInValue, 'DATABASE_URL')).toBe(onlyInValue);
  });

  test('a new block for the key drops an older note (a new database), with --force or without', () => {
    const old = `KEEP=1\n${withNote.join('\n')}\n`;
    const replaced = replace(old);
    expect(replaced).not.toMatch(/seed pending/);
    expect(replaced.startsWith('KEEP=1\n')).toBe(true);
    expect(parse(replaced)).toEqual({ KEEP: '1', ...ours });
    expect(insert('# get-db: seed pending for DATABASE_URL: stale.sql\nKEEP=1\n')).toBe(`KEEP=1\n\n${block.join('\n')}\n`);
  });
});
