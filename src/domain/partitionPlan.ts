// Which daily partitions of raw_events a maintenance pass creates and drops, worked out from the
// partitions that exist and the time: no I/O here, so a year of days can be planned in a unit test.

const dayMs = 86_400_000;

/** A partition of raw_events as the catalog describes it. */
export interface EventPartition {
  /** The table's name (unqualified). */
  name: string;
  /** Its lower bound; null for MINVALUE (the partition of the rows from before the upgrade). */
  from: Date | null;
  /** Its upper bound; null for MAXVALUE. */
  to: Date | null;
  /** Left half-detached by an interrupted DETACH ... CONCURRENTLY: it must be finalized first. */
  detachPending: boolean;
}

/** A daily partition to create: [from, to) is one UTC day. */
export interface NewPartition {
  name: string;
  from: Date;
  to: Date;
}

/** What a pass should do with the partitions. */
export interface PartitionPlan {
  /** Days from today through today + daysAhead that no partition covers yet, oldest first. */
  create: NewPartition[];
  /** Partitions past retention that may go, oldest first. */
  drop: EventPartition[];
  /** Partitions past retention kept because a job not yet finished may still read their events. */
  keep: EventPartition[];
}

/** What the plan is made from. */
export interface PartitionPlanInput {
  partitions: readonly EventPartition[];
  now: Date;
  /** Days after today that must have a partition already. */
  daysAhead: number;
  /** 0: nothing is ever dropped. */
  retentionDays: number;
  /** created_at of the oldest Pending or Processing job; null when there is none. */
  oldestUnfinishedAt: Date | null;
}

/** The start (00:00 UTC) of the day `time` falls in. */
export function utcDayStart(time: Date): Date {
  return new Date(Math.floor(time.getTime() / dayMs) * dayMs);
}

/** `raw_events_pYYYYMMDD`, the name of the partition of the UTC day starting at `day`. */
export function dailyPartitionName(day: Date): string {
  return `raw_events_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** Whether some partition covers the whole of [from, to). */
function covered(partitions: readonly EventPartition[], from: Date, to: Date): boolean {
  return partitions.some(
    (p) =>
      (p.from === null || p.from.getTime() <= from.getTime()) &&
      (p.to === null || p.to.getTime() >= to.getTime()),
  );
}

/** The partitions to create so that every UTC day starting at one of `days` has one, oldest first. */
export function uncoveredDays(partitions: readonly EventPartition[], days: readonly Date[]): NewPartition[] {
  const create: NewPartition[] = [];
  for (const day of days) {
    const from = utcDayStart(day);
    const to = new Date(from.getTime() + dayMs);
    if (!covered([...partitions, ...create.map((p) => ({ ...p, detachPending: false }))], from, to))
      create.push({ name: dailyPartitionName(from), from, to });
  }
  return create;
}

/**
 * Whether a job not finished, the oldest of which was accepted at `oldestUnfinishedAt`, may have its
 * events in `partition` (it was accepted before the partition's end).
 */
export function holdsUnfinished(partition: EventPartition, oldestUnfinishedAt: Date | null): boolean {
  return oldestUnfinishedAt !== null && partition.to !== null && oldestUnfinishedAt < partition.to;
}

/**
 * Plans a pass. A partition is past retention when its upper bound is older than now − retentionDays;
 * it is kept while an unfinished job was accepted before that bound (its events may be in it, and it
 * is about to read them). Creation never overlaps an existing partition: a day any partition covers
 * (the rows from before the upgrade, say) is not created again.
 */
export function planPartitions(input: PartitionPlanInput): PartitionPlan {
  const { partitions, now, daysAhead, retentionDays, oldestUnfinishedAt } = input;
  const today = utcDayStart(now).getTime();
  const create = uncoveredDays(
    partitions,
    Array.from({ length: daysAhead + 1 }, (_, ahead) => new Date(today + ahead * dayMs)),
  );
  const drop: EventPartition[] = [];
  const keep: EventPartition[] = [];
  if (retentionDays > 0) {
    const cutoff = now.getTime() - retentionDays * dayMs;
    const expired = partitions
      .filter((p) => p.to !== null && p.to.getTime() < cutoff)
      .sort((a, b) => a.to!.getTime() - b.to!.getTime());
    for (const partition of expired) {
      (holdsUnfinished(partition, oldestUnfinishedAt) ? keep : drop).push(partition);
    }
  }
  return { create, drop, keep };
}

/**
 * The bound below which no event is left once `remaining` are the partitions: jobs accepted before it
 * have lost their events and may go. null when a partition reaches down to MINVALUE (nothing may go);
 * with no partition at all, no event is stored anywhere, so every job accepted before `now` may go.
 */
export function eventsStartAt(remaining: readonly EventPartition[], now: Date): Date | null {
  if (remaining.length === 0) return now;
  if (remaining.some((p) => p.from === null)) return null;
  return new Date(Math.min(...remaining.map((p) => p.from!.getTime())));
}

/** The upper bound of the newest partition (inserts work until then); null when there is none. */
export function partitionsEnd(partitions: readonly EventPartition[]): Date | null {
  const ends = partitions.flatMap((p) => (p.to ? [p.to.getTime()] : []));
  return ends.length === 0 ? null : new Date(Math.max(...ends));
}
