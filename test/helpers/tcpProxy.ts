/**
 * A TCP proxy a test controls, to take a server away and bring it back without touching it:
 * `cut()` resets every proxied connection and stops listening (new connections are refused, as
 * by a stopped server); `restore()` listens again on the same port and passes connections through.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    const pair = [client, upstream];
    for (const socket of pair) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // an error on either side ends both (an end is passed on by pipe, after what it carries)
      socket.on('error', () => {
        for (const other of pair) other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  const stopListening = () =>
    new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const cut = async () => {
    const closed = stopListening();
    // a reset, not a FIN: the client learns at once, as when a server dies or a link drops
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  };
  return {
    port,
    cut,
    async restore() {
      if (!server.listening) await listen(port);
    },
    close: cut,
  };
}
