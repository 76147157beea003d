import { defineConfig } from 'tsup';

// One build for every public entry point, in ESM (.js) and CommonJS (.cjs), each with its own declarations.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
});
