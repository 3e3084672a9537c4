import { describe, expect, it } from 'vitest';
import { emptyReport, reportIsNews, reportLines } from '../../src/maintenance/passReport.js';

describe('reportLines', () => {
  const now = new Date('2027-01-09T10:00:00Z');

  it('says what a pass created, dropped, skipped and deleted, and until when inserts work', () => {
    const report = {
      ...emptyReport(now),
      created: ['raw_events_p20270116'],
      dropped: ['raw_events_p20261208'],
      kept: ['raw_events_p20261209'],
      oldestUnfinishedAt: new Date('2026-12-09T17:02:11Z'),
      deferred: [{ step: 'detach' as const, partition: 'raw_events_p20261210' }],
      jobsDeleted: 41210,
      jobsAcceptedBefore: new Date('2026-12-09T00:00:00Z'),
      partitionsUntil: new Date('2027-01-17T00:00:00Z'),
    };
    const lines = reportLines(report);
    expect(lines).toEqual([
      'maintenance pass at 2027-01-09T10:00:00.000Z',
      'created raw_events_p20270116',
      'dropped raw_events_p20261208',
      expect.stringMatching(/^skipped raw_events_p20261209: .*2026-12-09T17:02:11\.000Z is not finished/),
      expect.stringMatching(/^deferred: detach raw_events_p20261210: .*next pass tries again$/),
      'deleted 41210 finished jobs (finished past retention, accepted before 2026-12-09T00:00:00.000Z)',
      'partitions accept events until 2027-01-17 00:00 UTC',
    ]);
    expect(reportIsNews(report)).toBe(true);
  });

  it('says why no job was deleted, and when another process had the lock', () => {
    expect(reportLines(emptyReport(now)).at(-2)).toMatch(
      /before raw_events_before_… is dropped.*new database/,
    );
    expect(reportLines({ ...emptyReport(now), hoursRolledUp: 1, workersForgotten: 2 })).toEqual(
      expect.arrayContaining([
        'rolled up 1 hour of finished jobs',
        'forgot 2 worker processes not heard from for a day',
      ]),
    );
    expect(reportLines({ ...emptyReport(now), jobRetentionOff: true }).at(-2)).toMatch(
      /JOB_RETENTION_DAYS=0/,
    );
    expect(reportIsNews(emptyReport(now))).toBe(false);
    expect(reportLines(emptyReport(now, false))).toEqual([expect.stringMatching(/^another process holds/)]);
  });
});
