import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // Integration tests start real worker and API processes; they wait on real PostgreSQL.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most of a test file's time is spent waiting on the processes it starts and on PostgreSQL: two files
    // at a time took the suite from about 9 to 5 minutes on 2 cores, where the default ran one.
    maxWorkers: 2,
  },
});
