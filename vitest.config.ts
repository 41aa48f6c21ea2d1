import { defineConfig } from 'vitest/config';

// One root config, one project per package (STYLE.md). Tests import workspace packages through the
// `@dcq/source` export condition, so they always run against the TypeScript sources.
export default defineConfig({
  resolve: { conditions: ['@dcq/source'] },
  ssr: { resolve: { conditions: ['@dcq/source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['./vitest.setup.ts'],
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'core', include: ['packages/core/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'node', include: ['packages/node/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'sim', include: ['sim/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'repo', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'bench', include: ['bench/test/**/*.test.ts'] },
      },
    ],
  },
});
