import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // Integration tests start real worker and API processes; they wait on real PostgreSQL.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
