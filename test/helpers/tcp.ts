/**
 * TCP stand-ins for a PostgreSQL server's address: a forwarder (so a test can make an
 * address start answering when it chooses) and a black hole (accepts, never answers: what
 * a frozen or half-dead server looks like from outside).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Listening {
  close(): Promise<void>;
}

function listening(server: Server, port: number, sockets: Set<Socket>): Promise<Listening> {
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

/**
 * Forwards 127.0.0.1:`port` to 127.0.0.1:`target`.
 *
 * @example
 * const proxy = await forward(port, postgres.port); … await proxy.close();
 */
export function forward(port: number, target: number): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target, '127.0.0.1');
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  return listening(server, port, sockets);
}

/**
 * Accepts on 127.0.0.1:`port` and never says a word.
 *
 * @example
 * const hole = await blackHole(port); … await hole.close();
 */
export function blackHole(port: number): Promise<Listening> {
  const sockets = new Set<Socket>();
  return listening(createServer((socket) => socket.on('error', () => {})), port, sockets);
}
