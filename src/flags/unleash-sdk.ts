/** The SDK instance an Unleash source owns: `unleash-client` loaded on first use, configured from the options. */
import type { ClientFeaturesResponse, Unleash, UnleashConfig } from 'unleash-client';
import type { ResolvedUnleashOptions } from './unleash-options.js';

/**
 * A new `Unleash` instance (never the SDK's global `initialize()` singleton), not started. `readBootstrap`
 * is its bootstrap provider. `unleash-client` is imported only when this runs, so importing ws-ssot does not load it.
 */
export async function createUnleashSdk(
  opts: ResolvedUnleashOptions,
  readBootstrap: () => Promise<ClientFeaturesResponse | undefined>,
): Promise<Unleash> {
  const sdk = await import('unleash-client');
  // unleash-client is CommonJS: its exports may sit on `default` depending on the loader.
  const mod = ((sdk as { Unleash?: unknown }).Unleash ? sdk : (sdk as unknown as { default: typeof sdk }).default) as typeof sdk;
  const config: UnleashConfig = {
    url: opts.url as string,
    appName: opts.appName,
    environment: opts.environment,
    refreshInterval: opts.refreshInterval,
    timeout: opts.requestTimeoutMs,
    customHeaders: opts.customHeaders,
    disableMetrics: opts.disableMetrics,
    disableAutoStart: true,
    bootstrap: { bootstrapProvider: { readBootstrap } },
    // Bootstrap data only ever stands in until the first fetch; it never overrides fetched toggles.
    bootstrapOverride: false,
  };
  if (opts.backupPath !== undefined) config.backupPath = opts.backupPath;
  else config.storageProvider = new mod.InMemStorageProvider<ClientFeaturesResponse>();
  return new mod.Unleash(config);
}
