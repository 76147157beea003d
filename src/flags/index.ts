export * from './flag-source.js';
export * from './unleash-flag-source.js';
