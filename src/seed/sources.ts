/**
 * A seed unit (./inputs.ts) opened as the UTF-8 text the seed sends, whatever its bytes are:
 * gzip is recognised by its magic bytes and gunzipped; a pg_dump archive goes through
 * pg_restore; a byte-order mark or the dump's own `SET client_encoding` says how its text is
 * encoded. Streams in chunks, so memory stays flat whatever the file's size; what cannot be
 * read is refused (SEED_FILE_UNREADABLE), naming the file, what it looks like and what to do.
 */
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { byteKind, SNIFF_BYTES, type ByteKind } from './byte-kinds.js';
import { gathered, roomyBlock } from './headroom.js';
import { toUtf8, type TextForm } from './decode.js';
import { declaredEncoding, isUtf8Encoding, whatwgLabel } from './encodings.js';
import { errorReason, unreadable } from './input-checks.js';
import type { SeedUnit } from './inputs.js';
import { restoreScript } from './pg-restore.js';

/**
 * Files are read 1 MiB at a time into buffers of their own (a 120 MB dump: 120 reads, where a
 * 64 KiB read stream made ~1,900 and cost ~4× the CPU); COPY data goes out in slices of them.
 */
const READ_CHUNK_BYTES = 1024 * 1024;
/** What the sniffing and the encoding declaration need of a file's start. */
const HEAD_BYTES = 64 * 1024;


/** The text of a seed unit, chunk by chunk (UTF-8); `bytesRead` counts the unit's own bytes. */
export interface SeedSource extends AsyncIterable<Buffer> {
  readonly name: string;
  readonly bytesRead: number;
  /** PostgreSQL's name for the encoding the text came in: 'UTF8' unless a mark or the file said otherwise. */
  readonly encoding: string;
  /** A byte-order mark named the encoding: the file's `SET client_encoding` lines have nothing left to say. */
  readonly marked: boolean;
  /** A pg_dump archive, read through pg_restore. */
  readonly archive: boolean;
}

export interface OpenOptions {
  /** For the pre-scan: an archive's definitions only (its table data is COPY blocks pg_restore writes itself). */
  schemaOnly?: boolean;
}

interface Peeked {
  head: Buffer;
  chunks: AsyncIterable<Buffer>;
}

/** The first `min` bytes (or all, if fewer), and every chunk again from the start. */
async function peek(source: AsyncIterable<Buffer>, min = SNIFF_BYTES): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < min) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    first.push(next.value);
    size += next.value.length;
  }
  const head = first.length === 1 ? first[0]! : Buffer.concat(first);
  async function* again(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return { head, chunks: again() };
}

function gunzipped(name: string, chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  // zlib loads for gzip only: every create opens its seed files through this module.
  const gunzip = process.getBuiltinModule('node:zlib').createGunzip({ chunkSize: 256 * 1024 });
  const stream = pipeline(chunks as unknown as Readable, gunzip, () => {});
  return (async function* () {
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      if (!(error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw error;
      throw unreadable(name, 'starts as gzip data but is not valid gzip (cut short or damaged)', error, 'Check the file: gzip -t says whether it is whole.');
    }
  })();
}

/** How the text of a script is read: its mark, else the encoding it declares, else UTF-8. */
function textForm(name: string, kind: Extract<ByteKind, { kind: 'text' }>, head: Buffer): { form: TextForm; encoding: string } {
  if (kind.bomLength > 0) return { form: { encoding: kind.encoding, skip: kind.bomLength }, encoding: kind.encoding.toUpperCase() };
  const declared = declaredEncoding(head);
  if (declared === undefined || isUtf8Encoding(declared)) return { form: { encoding: 'utf-8', skip: 0 }, encoding: declared ?? 'UTF8' };
  const label = whatwgLabel(declared);
  if (label === undefined || !decoderExists(label)) {
    throw unreadable(name, `declares client_encoding ${declared}, which get-db cannot convert`, undefined, `Convert it to UTF-8 (iconv -f ${declared} -t UTF-8 in.sql > out.sql) and change that line to SET client_encoding = 'UTF8';`);
  }
  return { form: { encoding: 'legacy', label, skip: 0 }, encoding: declared };
}

function decoderExists(label: string): boolean {
  if (label === 'latin1') return true;
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false; // a Node built without full ICU
  }
}

/** Text whose bytes were sniffed as `kind`: decoded, or refused. */
function asText(name: string, peeked: Peeked, kind: ByteKind): { chunks: AsyncIterable<Buffer>; encoding: string; marked: boolean } {
  if (kind.kind === 'binary') throw unreadable(name, `looks like ${kind.looksLike}`, undefined, kind.next);
  if (kind.kind !== 'text') throw unreadable(name, 'holds a pg_dump archive inside another one');
  const { form, encoding } = textForm(name, kind, peeked.head);
  return { chunks: toUtf8(peeked.chunks, form), encoding, marked: kind.bomLength > 0 };
}

function rawChunks(unit: SeedUnit, counter: { bytes: number }): AsyncIterable<Buffer> {
  if (unit.kind === 'text') {
    const bytes = Buffer.from(unit.text);
    return (async function* () {
      for (let at = 0; at < bytes.length; at += READ_CHUNK_BYTES) {
        const chunk = bytes.subarray(at, at + READ_CHUNK_BYTES);
        counter.bytes += chunk.length;
        yield chunk;
      }
    })();
  }
  const path = unit.path;
  return (async function* () {
    let file: Awaited<ReturnType<typeof open>> | undefined;
    try {
      file = await open(path, 'r');
      for (;;) {
        const block = roomyBlock(READ_CHUNK_BYTES);
        const { bytesRead } = await file.read(block, 0, READ_CHUNK_BYTES, null);
        if (bytesRead === 0) return;
        counter.bytes += bytesRead;
        yield bytesRead === READ_CHUNK_BYTES ? block : block.subarray(0, bytesRead);
      }
    } catch (error) {
      throw unreadable(unit.name, errorReason(error), error);
    } finally {
      await file?.close();
    }
  })();
}

/**
 * Opens a unit as UTF-8 text. Throws SEED_FILE_UNREADABLE for bytes that are not a seed (and,
 * while reading, for text PostgreSQL would refuse).
 *
 * @example
 * const source = await openSeedSource({ kind: 'file', path: '/app/db.sql.gz', name: 'db.sql.gz', size: 123 });
 * for await (const utf8 of source) …
 */
export async function openSeedSource(unit: SeedUnit, options: OpenOptions = {}): Promise<SeedSource> {
  const counter = { bytes: 0 };
  let text: { chunks: AsyncIterable<Buffer>; encoding: string; marked: boolean };
  let archive = unit.kind === 'dump-folder';
  if (unit.kind === 'dump-folder') {
    const script = restoreScript({ name: unit.name, path: unit.path, format: 'directory' }, options);
    text = await scriptOf(unit.name, counted(script, counter));
  } else {
    let peeked = await peek(rawChunks(unit, counter), HEAD_BYTES);
    let kind = byteKind(peeked.head);
    const zipped = kind.kind === 'gzip';
    if (zipped) {
      peeked = await peek(gathered(gunzipped(unit.name, peeked.chunks), READ_CHUNK_BYTES), HEAD_BYTES);
      kind = byteKind(peeked.head);
      if (kind.kind === 'gzip') throw unreadable(unit.name, 'is gzip-compressed twice', undefined, 'gunzip it once, then seed it.');
    }
    if (kind.kind === 'archive') {
      archive = true;
      // The pre-scan's schema-only pass gives pg_restore the path (it seeks past the data); the
      // seed pipes the bytes in, so that the bytes read say how far it is.
      const byPath = options.schemaOnly === true && !zipped && unit.kind === 'file';
      const { chunks } = peeked;
      const input = { name: unit.name, format: kind.format, ...(byPath ? { path: (unit as { path: string }).path } : { stream: () => chunks }) };
      if (byPath) await chunks[Symbol.asyncIterator]().return?.(undefined);
      text = await scriptOf(unit.name, restoreScript(input, options));
    } else text = asText(unit.name, peeked, kind);
  }
  return {
    name: unit.name,
    encoding: text.encoding,
    marked: text.marked,
    archive,
    get bytesRead() {
      return counter.bytes;
    },
    [Symbol.asyncIterator]: () => text.chunks[Symbol.asyncIterator](),
  };
}

/** pg_restore's output, read as a script (it declares its encoding, as pg_dump's does). */
async function scriptOf(name: string, script: AsyncIterable<Buffer>) {
  const peeked = await peek(gathered(script, READ_CHUNK_BYTES), HEAD_BYTES);
  return asText(name, peeked, byteKind(peeked.head));
}

/** A directory dump's progress: pg_restore reads its files itself, so its output is counted. */
async function* counted(chunks: AsyncIterable<Buffer>, counter: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    counter.bytes += chunk.length;
    yield chunk;
  }
}

