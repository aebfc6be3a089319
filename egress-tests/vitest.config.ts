import { defineConfig } from 'vitest/config';

/** `npm run test:egress`: the egress proofs alone (HTTP layer, packet layer as root, refusal). */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['egress-tests/**/*.test.ts', 'evidence/emit/egress*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The packet-layer tests create network namespaces: run files one at a time.
    fileParallelism: false,
    reporters: ['default', './test-support/summary-reporter.ts'],
  },
});
