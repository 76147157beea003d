import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Network tests open real sockets; two cores run them best in a couple of forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
