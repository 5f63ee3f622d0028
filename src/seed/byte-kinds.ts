/**
 * What a seed file is, by its first bytes rather than its name: gzip, a pg_dump archive
 * (custom or tar format), text with a byte-order mark, or something that is not SQL at all
 * (said plainly, with what to do). Pure.
 */

export type ByteKind =
  | { kind: 'gzip' }
  | { kind: 'archive'; format: 'custom' | 'tar' }
  | { kind: 'text'; encoding: TextEncodingName; bomLength: number }
  | { kind: 'binary'; looksLike: string; next: string };

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** Enough of a file to tell: a tar header's magic is at offset 257. */
export const SNIFF_BYTES = 512;

const startsWith = (head: Uint8Array, bytes: number[], at = 0) => bytes.every((byte, k) => head[at + k] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

const BOMS: Array<[number[], TextEncodingName]> = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  // UTF-32LE's mark begins with UTF-16LE's: the longer one first.
  [[0xff, 0xfe, 0x00, 0x00], 'utf-32le'],
  [[0x00, 0x00, 0xfe, 0xff], 'utf-32be'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

const COMPRESSED = 'Decompress it first; a .sql file, gzip-compressed or not, is read as it is.';

/** Formats people mistake for a seed, by their magic bytes. */
const OTHER_FORMATS: Array<[number[], string, string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive', 'Unzip it and seed the .sql file (or folder) inside.'],
  [ascii('BZh'), 'bzip2-compressed data', COMPRESSED],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed data', COMPRESSED],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed data', COMPRESSED],
  [[0x04, 0x22, 0x4d, 0x18], 'lz4-compressed data', COMPRESSED],
  [ascii('SQLite format 3\0'), 'an SQLite database file', 'A seed is SQL text for PostgreSQL: export the tables (e.g. as CSV) and load them with COPY.'],
];

/** Every other byte zero among the first ones: UTF-16 text that lost (or never had) its mark. */
function looksLikeUtf16(head: Uint8Array): boolean {
  const n = Math.min(head.length, 256) & ~1;
  if (n < 4) return false;
  let evenZeros = 0, oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZeros++;
    if (head[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  // Text in a Latin script: most high bytes zero, few low ones (U+xx00 characters are rare).
  return Math.max(evenZeros, oddZeros) >= pairs * 0.6 && Math.min(evenZeros, oddZeros) <= pairs * 0.1;
}

/**
 * The kind of a file from its first bytes (up to SNIFF_BYTES of them, fewer if it is shorter).
 *
 * @example
 * byteKind(Buffer.from([0x1f, 0x8b, 8])) // { kind: 'gzip' }
 * byteKind(Buffer.from('PGDMP…'))        // { kind: 'archive', format: 'custom' }
 */
export function byteKind(head: Uint8Array): ByteKind {
  if (startsWith(head, [0x1f, 0x8b])) return { kind: 'gzip' };
  if (startsWith(head, ascii('PGDMP'))) return { kind: 'archive', format: 'custom' };
  if (startsWith(head, ascii('ustar'), 257)) return { kind: 'archive', format: 'tar' };
  for (const [bom, encoding] of BOMS) if (startsWith(head, bom)) return { kind: 'text', encoding, bomLength: bom.length };
  for (const [magic, looksLike, next] of OTHER_FORMATS) if (startsWith(head, magic)) return { kind: 'binary', looksLike, next };
  if (looksLikeUtf16(head)) {
    return {
      kind: 'binary',
      looksLike: 'UTF-16 text without a byte-order mark',
      next: 'Save it as UTF-8 (or as UTF-16 with a byte-order mark, which PowerShell writes by default), or write the dump with pg_dump -f file.sql instead of a redirect.',
    };
  }
  if (head.includes(0)) return { kind: 'binary', looksLike: 'binary data, not SQL text', next: 'Seed a .sql script, a pg_dump archive, or either gzip-compressed.' };
  return { kind: 'text', encoding: 'utf-8', bomLength: 0 };
}
