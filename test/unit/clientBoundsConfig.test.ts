import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { configProblemsOf } from '../support/configProblems.js';

const problemsOf = configProblemsOf;

describe('client bounds', () => {
  it('gives each tenant a quarter of the in-flight budget, never less than one largest body', () => {
    expect(loadConfig({}).http.clientBounds).toEqual({
      maxInflightBytes: 8 * 1_048_576,
      maxInflightBytesPerTenant: 2 * 1_048_576,
      bodyGraceSeconds: 10,
      bodyMinBytesPerSecond: 16_384,
      maxWaits: 2000,
      maxWaitsPerTenant: 500,
    });
    expect(
      loadConfig({ API_MAX_INFLIGHT_BYTES: '2000000' }).http.clientBounds.maxInflightBytesPerTenant,
    ).toBe(1_048_576);
    expect(
      loadConfig({ API_MAX_INFLIGHT_BYTES: '2000000', API_TENANT_MAX_INFLIGHT_BYTES: '2000000' }).http
        .clientBounds.maxInflightBytesPerTenant,
    ).toBe(2_000_000);
    const problems = problemsOf({ API_TENANT_MAX_INFLIGHT_BYTES: '100000' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('API_TENANT_MAX_INFLIGHT_BYTES=100000: expected from MAX_BODY_BYTES');
    expect(problemsOf({ API_TENANT_MAX_INFLIGHT_BYTES: '99999999' })[0]).toContain(
      'to API_MAX_INFLIGHT_BYTES (8388608)',
    );
  });

  it('reads the body pace and the caps on waiting requests, refusing what cannot work', () => {
    const bounds = loadConfig({
      API_BODY_GRACE_SECONDS: '2.5',
      API_BODY_MIN_BYTES_PER_SECOND: '1000',
      PREFER_WAIT_MAX_REQUESTS: '10',
      PREFER_WAIT_TENANT_MAX_REQUESTS: '3',
    }).http.clientBounds;
    expect(bounds).toMatchObject({
      bodyGraceSeconds: 2.5,
      bodyMinBytesPerSecond: 1000,
      maxWaits: 10,
      maxWaitsPerTenant: 3,
    });
    expect(loadConfig({ PREFER_WAIT_MAX_REQUESTS: '100' }).http.clientBounds.maxWaitsPerTenant).toBe(25);
    const problems = problemsOf({
      API_BODY_GRACE_SECONDS: '0',
      API_BODY_MIN_BYTES_PER_SECOND: 'fast',
      PREFER_WAIT_MAX_REQUESTS: '10',
      PREFER_WAIT_TENANT_MAX_REQUESTS: '20',
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('API_BODY_GRACE_SECONDS="0": expected a number greater than 0');
    expect(problems[1]).toContain('API_BODY_MIN_BYTES_PER_SECOND="fast": expected a whole number');
    expect(problems[2]).toContain(
      'PREFER_WAIT_TENANT_MAX_REQUESTS=20 is more than PREFER_WAIT_MAX_REQUESTS=10',
    );
  });
});
