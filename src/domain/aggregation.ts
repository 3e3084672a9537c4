import { compareEventTypeKeys, eventTypeKey } from './eventTypeKey.js';

/** An event as the aggregation sees it. */
export interface AggregatedEventInput {
  type: string;
  timestamp: Date;
}

/** One line of a job's results. */
export interface EventTypeSummary {
  /** The casing of the group's first event in submission order. */
  eventType: string;
  count: number;
  firstTimestamp: Date;
  lastTimestamp: Date;
}

/** One group of the aggregation while it is being built, with instants of any ordered kind. */
export interface TypeGroup<Instant> {
  /** The casing of the group's first event in submission order. */
  eventType: string;
  count: number;
  first: Instant;
  last: Instant;
}

/**
 * The aggregation rule, stated as code, one event at a time (in submission order): events are grouped
 * by their type key (the type ignoring case); each group keeps the casing of its first event, its count,
 * and its earliest and latest instant. Shared by aggregateEvents and the TypeScript processor
 * (src/processing/typeAggregation.ts), which reads instants as microseconds.
 */
export function typeGroupAdd<Instant extends Date | bigint>(
  groups: Map<string, TypeGroup<Instant>>,
  event: { type: string; typeKey: string; at: Instant },
): void {
  const group = groups.get(event.typeKey);
  if (!group) {
    groups.set(event.typeKey, { eventType: event.type, count: 1, first: event.at, last: event.at });
    return;
  }
  group.count += 1;
  if (event.at < group.first) group.first = event.at;
  if (event.at > group.last) group.last = event.at;
}

/** The groups ordered by type key, as results are listed. */
export function typeGroupsSorted<Instant>(groups: Map<string, TypeGroup<Instant>>): TypeGroup<Instant>[] {
  return [...groups.entries()].sort(([a], [b]) => compareEventTypeKeys(a, b)).map(([, group]) => group);
}

/**
 * The whole rule on a list of events: groups ordered by type ignoring case. The worker runs the same
 * rule as one `GROUP BY` in the database (`jobsSucceed.sql`); the tests hold the two to each other.
 */
export function aggregateEvents(events: readonly AggregatedEventInput[]): EventTypeSummary[] {
  const groups = new Map<string, TypeGroup<Date>>();
  for (const event of events) {
    typeGroupAdd(groups, { type: event.type, typeKey: eventTypeKey(event.type), at: event.timestamp });
  }
  return typeGroupsSorted(groups).map((group) => ({
    eventType: group.eventType,
    count: group.count,
    firstTimestamp: group.first,
    lastTimestamp: group.last,
  }));
}
