/** A step a pass could not do because a lock was not free within the lock timeout. */
export interface DeferredStep {
  step: 'create' | 'finalize' | 'detach' | 'drop' | 'restore';
  partition: string;
}

/** What one maintenance pass did. */
export interface PassReport {
  /** False when another process held the maintenance lock: that process's pass does the work. */
  ran: boolean;
  /** The time the pass worked by (the database clock, unless a test gave another). */
  now: Date;
  /** Partitions created and attached. */
  created: string[];
  /** Detaches an interrupted pass left pending, completed. */
  finalized: string[];
  /** Partitions past retention, detached and dropped with their events. */
  dropped: string[];
  /** Partitions past retention kept because a job not yet finished was accepted before their end. */
  kept: string[];
  /**
   * Partitions put back in place: left detached or half-detached by an earlier pass, they hold events
   * of a job that is not finished.
   */
  restored: string[];
  /** created_at of the oldest unfinished job, when it kept partitions. */
  oldestUnfinishedAt: Date | null;
  /** Steps left for the next pass: a lock was not free within the lock timeout. */
  deferred: DeferredStep[];
  /** Finished jobs deleted with their results. */
  jobsDeleted: number;
  /** Idempotency keys deleted because their job was gone (see keySweep.ts). */
  keysDeleted: number;
  /** Where the next pass's sweep of idempotency keys goes on; null: from the first key. */
  keySweepNext: { tenantId: string; key: string } | null;
  /** JOB_RETENTION_DAYS=0: jobs are kept forever, none was looked at. */
  jobRetentionOff: boolean;
  /**
   * Jobs accepted before this may be deleted (their events are gone); null when none may be: a
   * partition reaches down to MINVALUE (the rows from before the upgrade), or job retention is off.
   */
  jobsAcceptedBefore: Date | null;
  /** The upper bound of the newest partition: inserts work until then. */
  partitionsUntil: Date | null;
  /** Hours of finished jobs rolled up for the overview's history. */
  hoursRolledUp: number;
  /** Rows of worker processes gone for a day, deleted. */
  workersForgotten: number;
  /** The pass stopped early: the process is stopping, or the lock's connection failed. */
  interrupted: boolean;
}

/** A report with nothing done yet. */
export function emptyReport(now: Date, ran = true): PassReport {
  return {
    ran,
    now,
    created: [],
    finalized: [],
    dropped: [],
    kept: [],
    restored: [],
    oldestUnfinishedAt: null,
    deferred: [],
    jobsDeleted: 0,
    keysDeleted: 0,
    keySweepNext: null,
    jobRetentionOff: false,
    jobsAcceptedBefore: null,
    partitionsUntil: null,
    hoursRolledUp: 0,
    workersForgotten: 0,
    interrupted: false,
  };
}

const day = (time: Date) => time.toISOString().slice(0, 10);
const plural = (n: number, noun: string, ending = 's') => `${n} ${noun}${n === 1 ? '' : ending}`;

/** The report as lines for a person: what `npm run maintenance` prints. */
export function reportLines(report: PassReport): string[] {
  if (!report.ran)
    return ['another process holds the maintenance lock and is running a pass: nothing done here'];
  const lines = [`maintenance pass at ${report.now.toISOString()}`];
  lines.push(report.created.length > 0 ? `created ${report.created.join(', ')}` : 'created nothing');
  if (report.finalized.length > 0) lines.push(`finalized the detach of ${report.finalized.join(', ')}`);
  lines.push(report.dropped.length > 0 ? `dropped ${report.dropped.join(', ')}` : 'dropped nothing');
  if (report.kept.length > 0) {
    lines.push(
      `skipped ${report.kept.join(', ')}: past retention, but a job accepted ` +
        `${report.oldestUnfinishedAt?.toISOString()} is not finished and may read its events; ` +
        'dropped once it has finished',
    );
  }
  if (report.restored.length > 0) {
    lines.push(
      `put back ${report.restored.join(', ')}: left detached by an earlier pass, but holding events of a ` +
        'job that is not finished',
    );
  }
  for (const { step, partition } of report.deferred) {
    lines.push(
      `deferred: ${step} ${partition}: a lock was not free within the lock timeout; the next pass tries again`,
    );
  }
  if (report.hoursRolledUp > 0)
    lines.push(`rolled up ${plural(report.hoursRolledUp, 'hour')} of finished jobs`);
  if (report.workersForgotten > 0)
    lines.push(`forgot ${plural(report.workersForgotten, 'worker process', 'es')} not heard from for a day`);
  lines.push(
    `deleted ${report.jobsDeleted} finished jobs` +
      (report.jobRetentionOff
        ? ' (JOB_RETENTION_DAYS=0 keeps them)'
        : report.jobsAcceptedBefore
          ? ` (finished past retention, accepted before ${report.jobsAcceptedBefore.toISOString()})`
          : ' (none may go before raw_events_before_… is dropped: it holds the events accepted before ' +
            'partitions began, none on a new database, and goes RAW_EVENT_RETENTION_DAYS after that day)'),
  );
  if (report.keysDeleted > 0) lines.push(`deleted ${report.keysDeleted} idempotency keys whose job was gone`);
  lines.push(
    report.partitionsUntil
      ? `partitions accept events until ${day(report.partitionsUntil)} 00:00 UTC`
      : 'raw_events has no partition: inserts fail until a pass creates one',
  );
  if (report.interrupted) lines.push('stopped early (shutdown or lost lock); the next pass goes on');
  return lines;
}

/** Whether the pass changed anything or left anything to say (worth an info line in a worker's log). */
export function reportIsNews(report: PassReport): boolean {
  return (
    report.created.length +
      report.finalized.length +
      report.dropped.length +
      report.kept.length +
      report.restored.length +
      report.deferred.length +
      report.jobsDeleted +
      report.keysDeleted >
      0 || report.interrupted
  );
}
