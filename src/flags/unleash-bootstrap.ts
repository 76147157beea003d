/** The Unleash source's bootstrap data: a file in client API format, with `bootstrap.values` on top. */
import { promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import type { ClientFeaturesResponse } from 'unleash-client';
import { FLAG_NAMES, type FlagName } from './flag-source.js';
import { errorMessage } from './unleash-sdk-messages.js';
import type { UnleashBootstrapOptions } from './unleash-options.js';

/** One toggle definition in the Unleash client API format (`/api/client/features`). */
export type UnleashToggleDefinition = ClientFeaturesResponse['features'][number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A toggle that is on (`true`) or off (`false`) for everyone, in the client API format. */
export function staticToggle(name: string, enabled: boolean): UnleashToggleDefinition {
  return {
    name,
    enabled,
    type: 'release',
    project: 'default',
    stale: false,
    impressionData: false,
    strategies: [{ name: 'default', parameters: {}, constraints: [] }],
    variants: [],
  };
}

/**
 * The toggles to hand to the SDK's bootstrap: those of `bootstrap.filePath` (a missing or malformed file is
 * logged and ignored), then one static toggle per flag of `bootstrap.values`. Undefined if there are none.
 */
export async function readBootstrap(
  bootstrap: UnleashBootstrapOptions | undefined,
  toggleNames: Readonly<Record<FlagName, string>>,
  logger: Logger,
): Promise<ClientFeaturesResponse | undefined> {
  if (bootstrap === undefined) return undefined;
  const features = new Map<string, UnleashToggleDefinition>();
  let segments: ClientFeaturesResponse['segments'];
  if (bootstrap.filePath !== undefined) {
    try {
      const parsed: unknown = JSON.parse(await fs.readFile(bootstrap.filePath, 'utf8'));
      if (!isRecord(parsed) || !Array.isArray(parsed['features'])) {
        throw new Error('expected { "version": 2, "features": [...] }');
      }
      for (const feature of parsed['features'] as UnleashToggleDefinition[]) {
        if (isRecord(feature) && typeof feature.name === 'string') features.set(feature.name, feature);
      }
      if (Array.isArray(parsed['segments'])) segments = parsed['segments'] as ClientFeaturesResponse['segments'];
    } catch (error) {
      logger.warn({ err: errorMessage(error), filePath: bootstrap.filePath }, 'unleash bootstrap file ignored');
    }
  }
  for (const flag of FLAG_NAMES) {
    const value = bootstrap.values?.[flag];
    if (value !== undefined) features.set(toggleNames[flag], staticToggle(toggleNames[flag], value));
  }
  if (features.size === 0) return undefined;
  const response: ClientFeaturesResponse = { version: 2, features: [...features.values()] };
  if (segments !== undefined) response.segments = segments;
  return response;
}
