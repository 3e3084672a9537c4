import { describe, expect, it } from 'vitest';
import { jobIdCreate } from '../../src/domain/jobId.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('jobIdCreate', () => {
  it('makes version 7 UUIDs that carry the milliseconds they were made at', () => {
    const at = Date.UTC(2026, 11, 2, 12, 34, 56, 789);
    const id = jobIdCreate(at);
    expect(id).toMatch(uuidV7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts ids made later after ids made earlier, as text and as PostgreSQL compares uuids', () => {
    const start = Date.UTC(2030, 0, 1);
    const ids = Array.from({ length: 2000 }, (_, i) => jobIdCreate(start + i));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats an id within a millisecond, across refills of its random block', () => {
    const at = Date.now();
    const ids = Array.from({ length: 10_000 }, () => jobIdCreate(at));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(uuidV7);
  });
});
