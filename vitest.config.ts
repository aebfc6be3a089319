import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['scanner/**/*.test.ts', 'connectors/**/*.test.ts', 'cli/**/*.test.ts', 'evidence/**/*.test.ts', 'gate/**/*.test.ts', 'deploy/**/*.test.ts', 'examples/**/*.test.ts', 'test-support/**/*.test.ts', 'egress-tests/**/*.test.ts', 'registry/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test-support/summary-reporter.ts'],
  },
});
