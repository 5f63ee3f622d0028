/**
 * Free bytes ahead of each chunk the file reader (./sources.ts) yields: the splitter's reader
 * (./sql-input.ts) puts the unconsumed end of the previous chunk there, so a 1 MiB chunk is
 * not copied into a new buffer just to join a few bytes to it.
 */
export const HEADROOM_BYTES = 16 * 1024;

/** ArrayBuffers whose first HEADROOM_BYTES nobody uses; whoever takes the room deletes the entry. */
export const WITH_HEADROOM = new WeakSet<ArrayBufferLike>();
