import { defineConfig } from 'vitest/config';

// bench's own tests (npm --prefix bench test): the parts of the harness that need a C compiler, Socket.IO or CPU
// pinning. The root suite keeps one smoke test of the harness against ws-ssot (test/bench/).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Each test forks a server and a client, some pinned to CPU 0 and CPU 1: two files at once would share those CPUs.
    fileParallelism: false,
  },
});
