/** A real server-side ws socket connected to a real client over 127.0.0.1, for manager-level tests. */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { TestClient } from './client.js';

export interface SocketPairs {
  /** Opens one more connection; resolves with the server-side socket and the client. */
  open(): Promise<{ server: WebSocket; client: TestClient }>;
  close(): Promise<void>;
}

export async function socketPairs(): Promise<SocketPairs> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const clients: TestClient[] = [];
  const servers: WebSocket[] = [];
  return {
    async open() {
      const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
      const client = await TestClient.open(url);
      const server = await serverSide;
      clients.push(client);
      servers.push(server);
      return { server, client };
    },
    async close() {
      for (const s of servers) s.terminate();
      await Promise.all(clients.map((c) => c.close()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
