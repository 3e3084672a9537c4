import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/data/databaseErrors.js';
import { isDatabaseAway } from '../../src/worker/databaseAway.js';

const sqlError = (code: string) => Object.assign(new Error(`error ${code}`), { code });

describe('isDatabaseAway', () => {
  it('retries a database that is away, not a statement it refused', () => {
    for (const code of ['57P01', '57P03', '53300', '08006', '40001', '40P01', 'ECONNREFUSED'])
      expect(isDatabaseAway(sqlError(code)), code).toBe(true);
    expect(isDatabaseAway(new Error('Connection terminated unexpectedly'))).toBe(true);
    // Statement timeout, configured limit, lock timeout: the batch's own doing for the worker, while
    // the API still answers them 503.
    for (const code of ['57014', '53400', '55P03']) {
      expect(isDatabaseAway(sqlError(code)), code).toBe(false);
      expect(isDatabaseUnavailable(sqlError(code)), code).toBe(true);
    }
    expect(isDatabaseAway(sqlError('23505'))).toBe(false);
  });
});
