import { defineConfig } from 'vitest/config';

// Three projects: `unit` (no servers), `integration` (*.int.test.ts, real Kafka, Schema
// Registry and ClickHouse from infra/local), `corpus` (public data in ../shared/data).
const code = ['runtime', 'producers', 'processors', 'sinks', 'schemas', 'cli', 'tests'];
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: code.map((d) => `${d}/**/*.test.ts`),
          exclude: ['**/*.int.test.ts', '**/*.corpus.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: code.map((d) => `${d}/**/*.int.test.ts`),
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One file at a time: the suites share one broker and one ClickHouse server.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: 'corpus',
          include: code.map((d) => `${d}/**/*.corpus.test.ts`),
          testTimeout: 120_000,
        },
      },
    ],
  },
});
