/**
 * Randomised tests: a small seeded PRNG, the seed of a run (GET_DB_TEST_SEED replays one), and
 * a wrapper that names the seed when the run fails, so every random failure can be replayed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomSeed(): number {
  const given = process.env.GET_DB_TEST_SEED;
  return given === undefined || given === '' ? Math.floor(Math.random() * 2 ** 31) : Number(given);
}

/** The failure message of a seeded run: how to replay it. */
export function replayNote(seed: number): string {
  return `seed ${seed} (replay: GET_DB_TEST_SEED=${seed} npx vitest run <file>)`;
}

/** Runs `work` with a fresh seeded PRNG; a failure is rethrown naming the seed. */
export async function withRandom<T>(work: (random: () => number, seed: number) => T | Promise<T>): Promise<T> {
  const seed = randomSeed();
  try {
    return await work(mulberry32(seed), seed);
  } catch (error) {
    throw new Error(`${replayNote(seed)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Bytes that stress a UTF-8 reader: Latin-1 letters, stray continuation and lead bytes, NBSP, NEL, U+2028. */
const AWKWARD_BYTES = [[0xe9], [0xa0], [0x85], [0xff], [0xc3], [0xc3, 0xa9], [0xe2, 0x80, 0xa8], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x92, 0x80], [0xef, 0xbb, 0xbf], [0x80], [0xf4, 0x90]];

/** `count` random pieces of awkward bytes, each maybe preceded by plain ASCII. */
export function randomBytes(random: () => number, count: number): Buffer {
  const parts: number[] = [];
  for (let i = 0; i < count; i++) {
    if (random() < 0.5) parts.push(0x61 + Math.floor(random() * 26));
    parts.push(...(random() < 0.2 ? [Math.floor(random() * 256)] : pick(random, AWKWARD_BYTES)));
  }
  return Buffer.from(parts);
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function randomString(random: () => number, alphabet: string, min: number, max: number): string {
  const length = min + Math.floor(random() * (max - min + 1));
  let out = '';
  for (let i = 0; i < length; i++) out += pick(random, [...alphabet]);
  return out;
}
