import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM (`module`) and CJS (`main`) without an exports map: Node gives the
    // libraries the CJS build, Vite would give our code the ESM one, and two graphql realms
    // cannot share a schema. Point ours at the one Node picks.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file opens its own databases; two at a time suit this machine's two cores.
    maxWorkers: 2,
    // Files share a worker's loaded modules (nothing here keeps state between files): importing
    // the app once per worker rather than once per file saves about a sixth of the suite's CPU.
    isolate: false,
  },
});
