/**
 * A loopback TCP proxy that adds latency: every chunk, in each direction, is held for
 * `oneWayMs` before it is passed on, in order. 12.5 ms each way = 25 ms round trip.
 * Backpressure: a side stops reading while too much is waiting to be delivered.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** Delivers `from`'s chunks to `to`, each `delayMs` after it arrived, preserving order. */
function delayedPipe(from: Socket, to: Socket, delayMs: number): void {
  const queue: Array<{ chunk: Buffer; due: number }> = [];
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const resumeIfRoom = () => {
    if (queuedBytes < MAX_QUEUED_BYTES && !to.writableNeedDrain && from.isPaused()) from.resume();
  };

  const release = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      queuedBytes -= chunk.length;
      to.write(chunk);
    }
    resumeIfRoom();
    if (queue.length > 0) schedule();
    else if (ended) to.end();
  };
  // Timers take whole milliseconds; wake early and release what is due (never early).
  const schedule = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(release, Math.max(0, Math.floor(queue[0]!.due - performance.now())));
  };

  from.on('data', (chunk: Buffer) => {
    queue.push({ chunk, due: performance.now() + delayMs });
    queuedBytes += chunk.length;
    if (queuedBytes >= MAX_QUEUED_BYTES || to.writableNeedDrain) from.pause();
    schedule();
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0) to.end();
  });
  to.on('drain', resumeIfRoom);
}

export interface LatencyProxy {
  port: number;
  close(): Promise<void>;
}

export async function startLatencyProxy(target: { host: string; port: number }, roundTripMs: number): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => (client.destroy(), upstream.destroy()));
    }
    delayedPipe(client, upstream, roundTripMs / 2);
    delayedPipe(upstream, client, roundTripMs / 2);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
