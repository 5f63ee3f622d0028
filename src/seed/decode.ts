/**
 * A seed file's bytes → the UTF-8 the seed sends, chunk by chunk: UTF-8 is checked and passed
 * on as it is (no copy, no string); UTF-16/UTF-32 (with a byte-order mark) and the legacy
 * encodings a dump may declare are converted. Anything PostgreSQL would refuse (an invalid
 * sequence, a NUL byte) is found here, so the pre-scan finds it before a database exists.
 */
import { isUtf8 } from 'node:buffer';
import type { TextEncodingName } from './byte-kinds.js';

/**
 * Why the text could not be read. `newlines`: line breaks between the end of the text already
 * passed on and the problem, so that the reader (which counts lines) can name its line.
 */
export class TextProblem extends Error {
  /** Set by the reader that counted the lines before it. */
  line: number | undefined;

  constructor(message: string, readonly newlines = 0) {
    super(message);
  }
}

function newlinesBefore(chunk: Buffer, end: number): number {
  let count = 0;
  for (let k = chunk.indexOf(0x0a); k !== -1 && k < end; k = chunk.indexOf(0x0a, k + 1)) count++;
  return count;
}

/** How a file's bytes are read: a Unicode form from its byte-order mark, or a WHATWG label. */
export interface TextForm {
  encoding: TextEncodingName | 'legacy';
  /** For 'legacy': the WHATWG label (`latin1` meaning ISO 8859-1 exactly). */
  label?: string;
  /** Bytes of byte-order mark to skip. */
  skip: number;
}

/** Where, in a chunk that ends mid-character, the last whole character ends. */
function wholeCharsEnd(chunk: Uint8Array): number {
  const length = chunk.length;
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = chunk[length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? length - back : length;
  }
  return length;
}

function checkNoNul(chunk: Buffer): void {
  const nul = chunk.indexOf(0);
  if (nul !== -1) throw new TextProblem('contains a NUL byte, which PostgreSQL does not accept in text', newlinesBefore(chunk, nul));
}

/** UTF-8 in, the same bytes out, each chunk ending on a whole character. */
async function* checkedUtf8(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const raw of chunks) {
    const chunk = carry ? Buffer.concat([carry, raw]) : raw;
    const end = wholeCharsEnd(chunk);
    const whole = end === chunk.length ? chunk : chunk.subarray(0, end);
    carry = end === chunk.length ? undefined : Buffer.from(chunk.subarray(end));
    if (!isUtf8(whole)) throw new TextProblem('is not valid UTF-8', newlinesBefore(whole, firstInvalid(whole)));
    checkNoNul(whole);
    if (whole.length > 0) yield whole;
  }
  if (carry) throw new TextProblem('ends in the middle of a UTF-8 character');
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (only on the error path). */
function firstInvalid(chunk: Buffer): number {
  let low = 0;
  let high = chunk.length;
  // isUtf8 of a prefix cut at a character boundary: binary search for the longest valid one.
  while (high - low > 4) {
    const middle = (low + high) >> 1;
    const cut = wholeCharsEnd(chunk.subarray(0, middle));
    if (isUtf8(chunk.subarray(0, cut))) low = cut;
    else high = middle;
  }
  return low;
}

/** Code points of UTF-32 (little or big endian) as UTF-8. */
function utf32Decoder(littleEndian: boolean) {
  let carry = Buffer.alloc(0);
  return (chunk: Buffer): string => {
    const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const whole = bytes.length & ~3;
    carry = Buffer.from(bytes.subarray(whole));
    const codePoints: number[] = [];
    for (let i = 0; i < whole; i += 4) {
      const cp = littleEndian ? bytes.readUInt32LE(i) : bytes.readUInt32BE(i);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new TextProblem('is not valid UTF-32');
      codePoints.push(cp);
    }
    let text = '';
    for (let i = 0; i < codePoints.length; i += 8192) text += String.fromCodePoint(...codePoints.slice(i, i + 8192));
    return text;
  };
}

/** A function from bytes to text for the encodings that need converting. */
function converter(form: TextForm): (chunk: Buffer) => string {
  if (form.encoding === 'utf-32le' || form.encoding === 'utf-32be') return utf32Decoder(form.encoding === 'utf-32le');
  if (form.label === 'latin1') return (chunk) => chunk.toString('latin1');
  const label = form.encoding === 'legacy' ? form.label! : form.encoding;
  const decoder = new TextDecoder(label, { fatal: true });
  const name = form.encoding === 'legacy' ? label : form.encoding.toUpperCase();
  return (chunk) => {
    try {
      return decoder.decode(chunk, { stream: true });
    } catch {
      throw new TextProblem(`is not valid ${name}`);
    }
  };
}

/** Converted text, as UTF-8 chunks. */
async function* converted(chunks: AsyncIterable<Buffer>, form: TextForm): AsyncGenerator<Buffer> {
  const convert = converter(form);
  for await (const chunk of chunks) {
    const out = Buffer.from(convert(chunk));
    checkNoNul(out);
    if (out.length > 0) yield out;
  }
}

/**
 * The text of `chunks` (the whole file, byte-order mark included) as UTF-8 chunks that end on
 * whole characters. Throws TextProblem for bytes PostgreSQL would refuse.
 *
 * @example
 * for await (const utf8 of toUtf8(fileChunks, { encoding: 'utf-16le', skip: 2 })) send(utf8);
 */
export function toUtf8(chunks: AsyncIterable<Buffer>, form: TextForm): AsyncIterable<Buffer> {
  const body = form.skip > 0 ? skipBytes(chunks, form.skip) : chunks;
  return form.encoding === 'utf-8' ? checkedUtf8(body) : converted(body, form);
}

async function* skipBytes(chunks: AsyncIterable<Buffer>, count: number): AsyncGenerator<Buffer> {
  let left = count;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
