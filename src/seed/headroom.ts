/**
 * Free bytes ahead of each chunk the file reader (./sources.ts) yields: the splitter's reader
 * (./sql-input.ts) puts the unconsumed end of the previous chunk there, so a 1 MiB chunk is
 * not copied into a new buffer just to join a few bytes to it.
 */
export const HEADROOM_BYTES = 16 * 1024;

/** ArrayBuffers whose first HEADROOM_BYTES nobody uses; whoever takes the room deletes the entry. */
export const WITH_HEADROOM = new WeakSet<ArrayBufferLike>();

/**
 * A buffer of `size` bytes with room ahead of it, registered as such.
 * @example
 * const block = roomyBlock(1 << 20); await file.read(block, 0, block.length, null);
 */
export function roomyBlock(size: number): Buffer {
  const whole = Buffer.allocUnsafeSlow(HEADROOM_BYTES + size);
  WITH_HEADROOM.add(whole.buffer);
  return whole.subarray(HEADROOM_BYTES);
}

/**
 * Small chunks (a pipe gives 64 KiB at most) gathered into blocks of `size` with room ahead:
 * one copy, as joining them one by one would make, but a sixteenth of the steps after it.
 * @example
 * for await (const block of gathered(child.stdout, 1 << 20)) …
 */
export async function* gathered(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let block = roomyBlock(size);
  let used = 0;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(chunk.length - at, size - used);
      chunk.copy(block, used, at, at + n);
      used += n;
      at += n;
      if (used === size) {
        yield block;
        block = roomyBlock(size);
        used = 0;
      }
    }
  }
  if (used > 0) yield block.subarray(0, used);
}
