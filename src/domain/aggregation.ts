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

/**
 * The aggregation rule, stated as code: events are grouped by type ignoring case; each group reports
 * the casing of its first event in submission order, its count, and its earliest and latest timestamp;
 * groups are ordered by type ignoring case. The worker runs the same rule as one `GROUP BY` in the
 * database (`jobsSucceed.sql`); the tests hold the two to each other.
 */
export function aggregateEvents(events: readonly AggregatedEventInput[]): EventTypeSummary[] {
  const groups = new Map<string, EventTypeSummary>();
  for (const event of events) {
    const key = eventTypeKey(event.type);
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        eventType: event.type,
        count: 1,
        firstTimestamp: event.timestamp,
        lastTimestamp: event.timestamp,
      });
      continue;
    }
    group.count += 1;
    if (event.timestamp < group.firstTimestamp) group.firstTimestamp = event.timestamp;
    if (event.timestamp > group.lastTimestamp) group.lastTimestamp = event.timestamp;
  }
  return [...groups.entries()].sort(([a], [b]) => compareEventTypeKeys(a, b)).map(([, summary]) => summary);
}
