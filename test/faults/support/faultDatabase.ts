import { afterAll } from 'vitest';
import type { Pool } from '../../../src/data/pool.js';
import { useTestDatabase, type TestDatabase } from '../../support/testDatabase.js';
import { Services } from './services.js';

/** What most scenarios start from: their own database, a pool on it, and the processes they start. */
export interface FaultDatabase {
  db: TestDatabase;
  pool: Pool;
  services: Services;
}

/**
 * Gives the calling scenario file a fresh database, a pool of `poolSize` connections on it, and a
 * Services registry for processes against it; after the file, every process is killed and the pool ended.
 */
export function useFaultDatabase(poolSize: number): FaultDatabase {
  const db = useTestDatabase();
  const pool = db.createPool(poolSize);
  const services = new Services(() => db.env);
  afterAll(async () => {
    await services.killAll();
    await pool.end();
  });
  return { db, pool, services };
}
