import type { WebSocket } from 'ws';

const CLOSED = 3;

/** Resolves when every socket has closed; sockets still open after `timeoutMs` are terminated. */
export function waitForClose(sockets: readonly WebSocket[], timeoutMs: number): Promise<void> {
  const open = sockets.filter((s) => s.readyState !== CLOSED);
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let remaining = open.length;
    const timer = setTimeout(() => {
      for (const socket of open) if (socket.readyState !== CLOSED) socket.terminate();
    }, timeoutMs);
    const onClose = (): void => {
      if (--remaining === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const socket of open) socket.once('close', onClose);
  });
}
