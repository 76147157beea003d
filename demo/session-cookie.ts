/**
 * The demo's sign-in: a name in an HMAC-signed cookie. The WebSocket's user id comes only from this
 * cookie, verified in `authenticate`, never from anything the client sends over the socket.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'wssot_demo';

export class SessionCookies {
  readonly #secret = randomBytes(32);

  #sign(value: string): string {
    return createHmac('sha256', this.#secret).update(value).digest('base64url');
  }

  /** The Set-Cookie header value for `userId`. */
  issue(userId: string): string {
    const value = `${Buffer.from(userId).toString('base64url')}.${this.#sign(userId)}`;
    return `${COOKIE_NAME}=${value}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** The Set-Cookie header value that signs out. */
  clear(): string {
    return `${COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  /** The verified user id of a request, or null. */
  read(req: IncomingMessage): string | null {
    const header = req.headers.cookie ?? '';
    const raw = header.split(/;\s*/).find((c) => c.startsWith(`${COOKIE_NAME}=`))?.slice(COOKIE_NAME.length + 1);
    if (!raw) return null;
    const [encoded, signature] = raw.split('.');
    if (!encoded || !signature) return null;
    const userId = Buffer.from(encoded, 'base64url').toString();
    const expected = Buffer.from(this.#sign(userId));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given) ? userId : null;
  }
}
