import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Answers an upgrade request with a real HTTP status (no WebSocket handshake) and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message?: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const statusText = STATUS_CODES[status] ?? 'Error';
  const body = message ?? statusText;
  socket.once('finish', socket.destroy);
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
}
