import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault suite of issue 4 (docs/reliability.md). Real API and worker processes,
// really killed, against real PostgreSQL; one scenario file at a time, since each measures timings on
// a machine it wants to itself.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.ts'],
    globalSetup: ['test/faults/support/globalSetup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
