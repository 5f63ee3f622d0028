/** Splitter tests: feeding text in chosen chunks, a seeded PRNG, and a compact view of the items. */
import { splitSql, type SqlItem } from '../../src/seed/splitter.js';

export { mulberry32 as prng, pick, randomSeed as splitterSeed, replayNote } from './random.js';

/** `text` as UTF-8 cut into pieces whose sizes (in bytes: a character may be cut) `nextSize` picks. */
export async function* chunked(text: string | Buffer, nextSize: () => number): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (let i = 0; i < bytes.length; ) {
    const size = Math.max(1, nextSize());
    yield bytes.subarray(i, i + size);
    i += size;
  }
}

/** Random chunk sizes, mostly tiny (1–4 characters), sometimes large. */
export function randomSizes(random: () => number): () => number {
  return () => (random() < 0.7 ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * 200));
}

/** An item as tests compare it: COPY data as text. */
export type TestItem = Exclude<SqlItem, { kind: 'copy-data' }> | { kind: 'copy-data'; data: string };

/** Every item, with consecutive copy-data merged (their cut depends on chunking, their content does not). */
export async function splitAll(chunks: AsyncIterable<Uint8Array>, fileName = 'test.sql'): Promise<TestItem[]> {
  const items: Array<SqlItem | { kind: 'copy-data'; parts: Buffer[] }> = [];
  for await (const item of splitSql(chunks, { fileName })) {
    const last = items.at(-1);
    if (item.kind === 'copy-data' && last?.kind === 'copy-data' && 'parts' in last) last.parts.push(Buffer.from(item.data));
    else items.push(item.kind === 'copy-data' ? { kind: 'copy-data', parts: [Buffer.from(item.data)] } : item);
  }
  return items.map((item) => (item.kind === 'copy-data' && 'parts' in item ? { kind: 'copy-data', data: Buffer.concat(item.parts).toString() } : (item as TestItem)));
}

/** `text` split as a seed reads it: a byte-order mark is the source's to drop (src/seed/decode.ts), as here. */
export function splitText(text: string, chunkSize = 1 << 16): Promise<TestItem[]> {
  return splitAll(chunked(text.replace(/^\uFEFF/, ''), () => chunkSize));
}

/** The SQL of statement and copy-start items. */
export function sqlOf(items: TestItem[]): string[] {
  return items.flatMap((item) => (item.kind === 'statement' || item.kind === 'copy-start' ? [item.sql] : []));
}
