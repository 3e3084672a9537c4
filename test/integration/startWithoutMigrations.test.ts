import { expect, it } from 'vitest';
import { freePort, startProcess, waitForOutput } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();

it('`npm start` leaves the schema alone when RUN_MIGRATIONS_ON_STARTUP=false', async () => {
  const pool = db.createPool(1);
  // The test database comes migrated: empty it again.
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  const main = startProcess('src/entry/main.ts', {
    ...db.env,
    RUN_MIGRATIONS_ON_STARTUP: 'false',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
  });
  try {
    await waitForOutput(main, /ingest service listening/);
    const { rows } = await pool.query<{ migrations: string | null }>(
      "SELECT to_regclass('schema_migrations') AS migrations",
    );
    expect(rows[0]!.migrations).toBeNull();
    expect(main.output()).not.toMatch(/migrations applied/);
  } finally {
    await main.stop('SIGKILL');
    await pool.end();
  }
});
