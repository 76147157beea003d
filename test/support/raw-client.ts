/** A WebSocket client done by hand over TCP, for peers `ws` will not imitate: one that never reads. */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * Performs the upgrade handshake for `userId` and resolves with the socket paused right after the 101
 * response: from then on it never reads, so the server's writes pile up in the kernel and then in Node.
 */
export function connectNeverReading(port: number, path: string, userId: string, timeoutMs = 5_000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw handshake timed out'));
    }, timeoutMs);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        return;
      }
      resolve(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => {
      // the server closing or resetting it is expected
    });
    socket.once('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
          `Authorization: Bearer user:${userId}\r\n\r\n`,
      );
    });
  });
}
