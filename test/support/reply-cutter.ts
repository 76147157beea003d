/**
 * A TCP proxy in front of a Redis that loses a reply for real: once armed, the next connection that sends a
 * chunk holding `marker` (a command name, e.g. EVALSHA) has that chunk delivered to Redis, then Redis's
 * answer dropped and both sides cut, as a network fault between a command and its reply does. The client
 * reconnects through the proxy, which forwards everything again, unless it is told to refuse connections
 * for a while (Redis unreachable: the proxy stops listening, so a connect is refused as by a dead host;
 * a connection accepted and then cut would reset ioredis's retry count, and it would never give up).
 */
import net from 'node:net';

export interface ReplyCutter {
  readonly url: string;
  /** Arms the cut; resolves once a reply was dropped and its connection cut. */
  cutNextReply(marker: string): Promise<void>;
  /**
   * Refuses every new connection (true) until told to listen again, on the same port (false); with
   * `cutOpen`, the connections already open are cut too (Redis unreachable for every client of the proxy).
   */
  refuse(refusing: boolean, cutOpen?: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function replyCutter(redisPort: number): Promise<ReplyCutter> {
  const sockets = new Set<net.Socket>();
  let armed: { marker: Buffer; cut: () => void; on: net.Socket | null } | null = null;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: redisPort });
    sockets.add(client).add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (armed !== null && armed.on === null && chunk.includes(armed.marker)) armed.on = client;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (armed !== null && armed.on === client) {
        const { cut } = armed;
        armed = null;
        end();
        cut();
        return;
      }
      client.write(chunk);
    });
    for (const side of [client, upstream]) {
      side.on('error', end);
      side.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    cutNextReply(marker) {
      return new Promise((resolve) => void (armed = { marker: Buffer.from(marker), cut: resolve, on: null }));
    },
    async refuse(refusing, cutOpen = false) {
      if (cutOpen) for (const socket of sockets) socket.destroy();
      // Stops listening at once (close's callback would wait for the open connections to end).
      if (refusing) server.close();
      else await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
