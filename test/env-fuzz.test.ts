/**
 * Randomised: hundreds of generated .env files (seeded; the seed is printed on failure, replay
 * with GET_DB_TEST_SEED=<seed>), made of bytes, not only of JS strings: Latin-1 letters, stray
 * UTF-8 lead and continuation bytes, NBSP, NEL, U+2028. Insert and replace must leave every
 * byte we do not own as it was, and dotenv must read back exactly our values and the same
 * values as before for the rest.
 */
import { parse } from 'dotenv';
import { expect, test } from 'vitest';
import { formatEnvBlock } from '../src/env/env-block.js';
import { applyEnvBlock } from '../src/env/env-edit.js';
import { parseEnvEntries, type EnvEntry } from '../src/env/env-lines.js';
import { decodeBytes, encodeBytes } from '../src/env/bytes.js';
import { pick, randomBytes, randomString, withRandom } from './helpers/random.js';

const FILES = 400;
const KEY = 'DATABASE_URL';
const PREFIX = 'PUBLIC_';
const OURS = new Set([KEY, `${KEY}_DIRECT`, `${PREFIX}INSTAGRES_CLAIM_URL`]);
const LOOKALIKES = ['DATABASE_URL_X', 'MY_DATABASE_URL', 'DATABASE_URL_DIRECT_OLD', 'INSTAGRES_CLAIM_URL', 'NEXT_PUBLIC_INSTAGRES_CLAIM_URL', 'A', 'api.key', 'X-1'];
const NOW = new Date('2026-11-24T08:00:00Z');
const PLAIN = 'abcXYZ019_-./:@?&=%+,!';

type Random = () => number;

/** One generated physical unit: a comment, a blank line or an assignment (maybe multi-line). */
function unit(random: Random, eol: string): string {
  const key = random() < 0.3 ? pick(random, [...OURS]) : pick(random, LOOKALIKES);
  const head = `${pick(random, ['', '', 'export ', '  '])}${key}${pick(random, ['=', '=', ' = ', ': '])}`;
  // Text as decodeBytes gives it: any bytes, the ones that are not UTF-8 kept as themselves.
  const text = () => randomString(random, PLAIN + ' ', 0, 12) + (random() < 0.3 ? decodeBytes(randomBytes(random, 3)) : '');
  const inline = () => pick(random, ['', '', ' # note', '  #x']);
  const kinds = [
    () => `# ${text()}`,
    () => '',
    () => `${head}${randomString(random, PLAIN, 1, 20)}${inline()}`,
    () => `${head}'${text()}'${inline()}`,
    () => `${head}"${text()}\\n${text()}"${inline()}`,
    () => `${head}\`${text()}\``,
    () => `${head}${pick(random, ["'", '"', '`'])}`.replace(/(["'`])$/, (q) => `${q}${text()}${eol}${text()}${eol}${text()}${q}`),
    () => `${head}`,
  ];
  return pick(random, kinds)();
}

function envFile(random: Random): string {
  const eol = random() < 0.5 ? '\r\n' : '\n';
  const units = Array.from({ length: Math.floor(random() * 12) }, () => unit(random, eol));
  const bom = random() < 0.2 ? '\uFEFF' : '';
  const finalNewline = units.length > 0 && random() < 0.7 ? eol : '';
  return bom + units.join(eol) + finalNewline;
}

function ourBlock(random: Random): string[] {
  const password = encodeURIComponent(randomString(random, ` !"#$%&'()*+,/:;<=>?@[\\]^_\`{|}~aZ9`, 1, 16));
  const url = `postgresql://owner:${password}@ep-a-pooler.neon.test/db?sslmode=require&channel_binding=require`;
  return formatEnvBlock({ key: KEY, prefix: PREFIX, databaseUrl: url, databaseUrlDirect: url.replace('-pooler', ''), claimUrl: `https://claim.test/${password}`, expiresAt: NOW });
}

const isOurs = (entry: EnvEntry) => OURS.has(entry.key);
const withoutFinalEol = (raw: string) => raw.replace(/(?:\r\n|\r|\n)$/, '');
const othersRaw = (text: string) => parseEnvEntries(text).filter((e) => !isOurs(e)).map((e) => withoutFinalEol(text.slice(e.start, e.end)));

/** The text outside our entries, as the pieces between them. */
function gaps(text: string): string[] {
  const pieces: string[] = [];
  let cursor = 0;
  for (const entry of parseEnvEntries(text).filter(isOurs)) {
    pieces.push(text.slice(cursor, entry.start));
    cursor = entry.end;
  }
  pieces.push(text.slice(cursor));
  return pieces.filter((piece) => piece !== '');
}

function expectPiecesInOrder(out: string, pieces: string[]): void {
  let cursor = 0;
  for (const piece of pieces) {
    const at = out.indexOf(piece, cursor);
    expect(at, JSON.stringify(piece)).toBeGreaterThanOrEqual(0);
    cursor = at + piece.length;
  }
}

function checkEdit(before: string, after: string, block: string[]): void {
  const expected = parse(block.join('\n'));
  const was = parse(before);
  const now = parse(after);
  for (const key of OURS) expect(now[key], key).toBe(expected[key]);
  for (const key of Object.keys(was).filter((k) => !OURS.has(k))) expect(now[key], key).toBe(was[key]);
  expect(othersRaw(after)).toEqual(othersRaw(before));
}

test(`${FILES} random env files: insert and replace keep every byte we do not own`, () =>
  withRandom((random) => {
    for (let i = 0; i < FILES; i++) {
      const bytes = encodeBytes(envFile(random));
      const text = decodeBytes(bytes);
      expect(encodeBytes(text).equals(bytes)).toBe(true);
      const block = ourBlock(random);
      const inserted = applyEnvBlock(text, { key: KEY, prefix: PREFIX, block, replace: false, now: NOW });
      expect(encodeBytes(inserted).subarray(0, bytes.length).equals(bytes)).toBe(true);
      checkEdit(text, inserted, block);
      const replaced = applyEnvBlock(text, { key: KEY, prefix: PREFIX, block, replace: true, now: NOW });
      checkEdit(text, replaced, block);
      expectPiecesInOrder(replaced, gaps(text));
      for (const entry of parseEnvEntries(text).filter(isOurs)) {
        expect(replaced).toContain(`# replaced by get-db on 2026-11-24: ${withoutFinalEol(text.slice(entry.start, entry.end)).split(/\r\n|\r|\n/)[0]}`);
      }
      // Running again with --force over our own output keeps the rest just the same.
      const again = applyEnvBlock(replaced, { key: KEY, prefix: PREFIX, block, replace: true, now: NOW });
      checkEdit(text, again, block);
    }
  }));

test('any bytes decode and encode back to themselves; UTF-8 decodes as UTF-8', () =>
  withRandom((random) => {
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(random, Math.floor(random() * 20));
      const text = decodeBytes(bytes);
      expect(encodeBytes(text).equals(bytes), bytes.toString('hex')).toBe(true);
      // Where the bytes are UTF-8 nothing is escaped, and then the text is what dotenv reads.
      const wellFormed = Buffer.from(bytes.toString('utf8'), 'utf8');
      expect(decodeBytes(wellFormed), wellFormed.toString('hex')).toBe(wellFormed.toString('utf8'));
      expect(/[\uDC80-\uDCFF]/u.test(text)).toBe(!bytes.equals(wellFormed));
    }
  }));
