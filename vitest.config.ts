import { defineConfig } from 'vitest/config';

// One vitest run over the whole repository: unit tests next to the code (src/**/*.test.ts)
// and integration tests that start real processes (tests/integration). Integration tests
// import the built packages (dist/), so `pnpm test` builds first.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'bench/src/**/*.test.ts'],
          testTimeout: 30_000,
          // Unit tests first, then the integration tests, each group with its own workers.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Each file starts its own cluster; two at a time is what 2 cores carry.
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
