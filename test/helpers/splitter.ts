/** Splitter tests: feeding text in chosen chunks, a seeded PRNG, and a compact view of the items. */
import { splitSql, type SqlItem } from '../../src/seed/splitter.js';

export { mulberry32 as prng, pick, randomSeed as splitterSeed, replayNote } from './random.js';

/** `text` cut into pieces whose sizes `nextSize` picks. */
export async function* chunked(text: string, nextSize: () => number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; ) {
    const size = Math.max(1, nextSize());
    yield text.slice(i, i + size);
    i += size;
  }
}

/** Random chunk sizes, mostly tiny (1–4 characters), sometimes large. */
export function randomSizes(random: () => number): () => number {
  return () => (random() < 0.7 ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * 200));
}

/** Every item, with consecutive copy-data merged (their cut depends on chunking, their content does not). */
export async function splitAll(chunks: AsyncIterable<string>, fileName = 'test.sql'): Promise<SqlItem[]> {
  const items: SqlItem[] = [];
  for await (const item of splitSql(chunks, { fileName })) {
    const last = items.at(-1);
    if (item.kind === 'copy-data' && last?.kind === 'copy-data') last.data += item.data;
    else items.push(item.kind === 'copy-data' ? { ...item } : item);
  }
  return items;
}

export function splitText(text: string, chunkSize = 1 << 16): Promise<SqlItem[]> {
  return splitAll(chunked(text, () => chunkSize));
}

/** The SQL of statement and copy-start items. */
export function sqlOf(items: SqlItem[]): string[] {
  return items.flatMap((item) => (item.kind === 'statement' || item.kind === 'copy-start' ? [item.sql] : []));
}
