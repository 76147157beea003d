export * from './flag-source.js';
export { UnleashFlagSource } from './unleash-flag-source.js';
export {
  UNLEASH_FLAG_SOURCE_DEFAULTS,
  resolveUnleashFlagSourceOptions,
  type UnleashBootstrapOptions,
  type UnleashFlagSourceOptions,
} from './unleash-options.js';
export type { UnleashToggleDefinition } from './unleash-bootstrap.js';
export { EnvFlagSource, type EnvFlagSourceOptions } from './env-flag-source.js';
export { StaticFlagSource } from './static-flag-source.js';
export { CompositeFlagSource, type CompositeFlagSourceOptions } from './composite-flag-source.js';
export type { FlagDecisions } from './flag-values.js';
export { isFlagLayer, type FlagLayer } from './flag-layer.js';
export { resolveFlagSource, type FlagsOption } from './resolve-flag-source.js';
