import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface SlowConnectProxy {
  /** The database URL it was started with, through the proxy. */
  readonly url: string;
  /** How long each new connection is held before it reaches PostgreSQL; change it at any time. */
  connectDelayMs: number;
  /** How many connections were held for a non-zero delay so far. */
  readonly delayedConnections: number;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of PostgreSQL that holds each new connection for `connectDelayMs` before
 * passing it on, as a paused Aurora Serverless v2 holds one until it has resumed. Established
 * connections are not slowed down.
 */
export async function startSlowConnectProxy(databaseUrl: string, connectDelayMs: number): Promise<SlowConnectProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A peer that goes away mid-stream is expected here (e.g. a client that gave up waiting).
    socket.on('error', () => socket.destroy());
  };
  let delayedConnections = 0;

  const server = createServer((client) => {
    track(client);
    if (proxy.connectDelayMs > 0) delayedConnections++;
    const timer = setTimeout(() => {
      const upstream = connect(Number(target.port), target.hostname);
      track(upstream);
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    }, proxy.connectDelayMs);
    client.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  const via = new URL(databaseUrl);
  via.hostname = '127.0.0.1';
  via.port = String((server.address() as AddressInfo).port);
  const proxy: SlowConnectProxy = {
    url: via.toString(),
    connectDelayMs,
    get delayedConnections() {
      return delayedConnections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  return proxy;
}
