/** The Origin allow-list, and `allowMissingOrigin` for server-side clients that send no Origin. */
import { afterEach, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const auth = { authorization: 'Bearer user:alice' };

/** 'open', or the HTTP status of the refusal. `origin` is sent as ws's origin option (a browser's header). */
async function status(url: string, headers: Record<string, string>, origin?: string): Promise<number | 'open'> {
  try {
    const client = await TestClient.open(url, origin === undefined ? { headers } : { headers, origin });
    await client.close();
    return 'open';
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

it('refuses an upgrade without an Origin by default, accepts it with allowMissingOrigin, and refuses a wrong Origin either way', async () => {
  h = await startHarness({ allowedOrigins: ['https://app.example'] });
  expect(await status(h.url, auth)).toBe(403);
  expect(await status(h.url, auth, 'https://app.example')).toBe('open');
  await h.close();
  h = await startHarness({ allowedOrigins: ['https://app.example'], allowMissingOrigin: true });
  expect(await status(h.url, auth)).toBe('open');
  expect(await status(h.url, auth, 'https://evil.example')).toBe(403);
  expect(await status(h.url, {}, 'https://app.example')).toBe(401); // still authenticated
});

it('validates allowMissingOrigin', async () => {
  await expect(startHarness({ allowMissingOrigin: 'yes' as never })).rejects.toMatchObject({ code: 'WSSOT_ERR_INVALID_OPTION', field: 'allowMissingOrigin' });
});
