import { describe, expect, it } from 'vitest';
import {
  dailyPartitionName,
  eventsStartAt,
  planPartitions,
  utcDayStart,
  type EventPartition,
} from '../../src/domain/partitionPlan.js';

const at = (iso: string) => new Date(iso);
const daily = (day: string): EventPartition => {
  const from = at(`${day}T00:00:00Z`);
  return {
    name: dailyPartitionName(from),
    from,
    to: new Date(from.getTime() + 86_400_000),
    detachPending: false,
  };
};
const before: EventPartition = {
  name: 'raw_events_before_20260301',
  from: null,
  to: at('2026-03-01T00:00:00Z'),
  detachPending: false,
};

describe('planPartitions', () => {
  it('names and bounds days in UTC, whatever the hour', () => {
    expect(utcDayStart(at('2026-03-01T23:59:59.999Z')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(dailyPartitionName(at('2026-12-31T00:00:00Z'))).toBe('raw_events_p20261231');
  });

  it('creates today through today + daysAhead, except days a partition already covers', () => {
    const plan = planPartitions({
      partitions: [before, daily('2026-03-01'), daily('2026-03-03')],
      now: at('2026-02-28T22:00:00Z'),
      daysAhead: 4,
      retentionDays: 30,
      oldestUnfinishedAt: null,
    });
    // 02-28 is inside the before_ partition; 03-01 and 03-03 exist.
    expect(plan.create.map((p) => p.name)).toEqual(['raw_events_p20260302', 'raw_events_p20260304']);
    expect(plan.create[0]).toMatchObject({
      from: at('2026-03-02T00:00:00Z'),
      to: at('2026-03-03T00:00:00Z'),
    });
  });

  it('drops partitions whose end is older than the retention, keeping any an unfinished job was accepted before the end of', () => {
    const partitions = [before, daily('2026-03-01'), daily('2026-03-02'), daily('2026-03-03')];
    const now = at('2026-04-02T12:00:00Z'); // − 30 days: 2026-03-03T12:00, after the end of 03-02
    const plan = (oldestUnfinishedAt: Date | null) =>
      planPartitions({ partitions, now, daysAhead: 0, retentionDays: 30, oldestUnfinishedAt });
    expect(plan(null).drop.map((p) => p.name)).toEqual([
      before.name,
      'raw_events_p20260301',
      'raw_events_p20260302',
    ]);
    const held = plan(at('2026-03-01T23:59:59Z'));
    expect(held.drop.map((p) => p.name)).toEqual([before.name]);
    expect(held.keep.map((p) => p.name)).toEqual(['raw_events_p20260301', 'raw_events_p20260302']);
    // A job accepted exactly at a partition's end is in the next one.
    expect(plan(at('2026-03-02T00:00:00Z')).drop.map((p) => p.name)).toEqual([
      before.name,
      'raw_events_p20260301',
    ]);
    expect(
      planPartitions({ partitions, now, daysAhead: 0, retentionDays: 0, oldestUnfinishedAt: null }).drop,
    ).toEqual([]);
  });

  it('lets jobs go only below the oldest event still stored', () => {
    const now = at('2026-04-02T12:00:00Z');
    expect(eventsStartAt([before, daily('2026-03-01')], now)).toBeNull();
    expect(eventsStartAt([daily('2026-03-02'), daily('2026-03-01')], now)).toEqual(
      at('2026-03-01T00:00:00Z'),
    );
    expect(eventsStartAt([], now)).toEqual(now);
  });
});
