/**
 * Env files as text without losing a byte. A file is decoded as UTF-8, but a byte that is not
 * part of a well-formed UTF-8 sequence (a Latin-1 `é`, a stray 0xFF) becomes the lone
 * surrogate U+DC00 + byte instead of U+FFFD, and turns back into that byte on writing (the
 * "surrogateescape" of Python's file names). Editing code sees what dotenv sees — the same
 * lines, quotes and `=` — while the bytes of lines get-db does not own survive any encoding.
 * Well-formed UTF-8 can never decode to a lone surrogate, so the mapping is one-to-one.
 */

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// With the u flag a class of surrogates matches only lone ones, never half of a pair.
const ESCAPED = /[\uDC80-\uDCFF]/u;

/** Length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7), or 0 when there is none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The file's text: UTF-8, with each byte that is not well-formed UTF-8 kept as U+DC00 + byte.
 *
 * @example
 * decodeBytes(Buffer.from([0x23, 0x20, 0xe9])); // '# \udce9'
 */
export function decodeBytes(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes); // the usual case: the whole file is UTF-8
  } catch {
    let text = '';
    let run = 0;
    for (let i = 0; i < bytes.length; ) {
      const length = sequenceLength(bytes, i);
      if (length > 0) {
        i += length;
        continue;
      }
      text += strict.decode(bytes.subarray(run, i)) + String.fromCharCode(0xdc00 + bytes[i]!);
      run = ++i;
    }
    return text + strict.decode(bytes.subarray(run));
  }
}

/**
 * The bytes to write: UTF-8, with each escaped byte from decodeBytes written back as itself.
 *
 * @example
 * encodeBytes('# \udce9'); // <Buffer 23 20 e9>
 */
export function encodeBytes(text: string): Buffer {
  if (!ESCAPED.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0xdc80 || code > 0xdcff) {
      run += char;
      continue;
    }
    parts.push(Buffer.from(run, 'utf8'), Buffer.of(code - 0xdc00));
    run = '';
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}
