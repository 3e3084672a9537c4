import { compareEventTypeKeys } from '../domain/eventTypeKey.js';
import { instantText } from '../domain/timestamp.js';
import type { JobProcessor } from './processor.js';

/** One item of the aggregation's output (an array of them): the shape of GET /v1/results' `results` items. */
export type TypeCount = {
  eventType: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
};

interface Group {
  eventType: string;
  count: number;
  firstMicros: bigint;
  lastMicros: bigint;
}

/**
 * The worked example of the processing seam: the template's aggregation by type, in TypeScript. Events
 * are grouped by their stored type key (the type ignoring case); each group reports the casing of its
 * first event in submission order, its count, and its earliest and latest timestamp to the microsecond;
 * groups are ordered by key. The worker does not use it by default: the same rule runs as one GROUP BY
 * inside the completion statement (jobsSucceed.sql), which is much faster. A property test
 * (test/integration/typeAggregation.test.ts) holds the two to identical results.
 */
export const typeAggregation: JobProcessor = {
  name: 'type-aggregation',
  async process({ events, signal }) {
    const groups = new Map<string, Group>();
    for await (const event of events) {
      signal.throwIfAborted();
      const group = groups.get(event.typeKey);
      if (!group) {
        groups.set(event.typeKey, {
          eventType: event.type,
          count: 1,
          firstMicros: event.micros,
          lastMicros: event.micros,
        });
        continue;
      }
      group.count += 1;
      if (event.micros < group.firstMicros) group.firstMicros = event.micros;
      if (event.micros > group.lastMicros) group.lastMicros = event.micros;
    }
    const items: TypeCount[] = [...groups.entries()]
      .sort(([a], [b]) => compareEventTypeKeys(a, b))
      .map(([, group]) => ({
        eventType: group.eventType,
        count: group.count,
        firstTimestamp: instantText(group.firstMicros),
        lastTimestamp: instantText(group.lastMicros),
      }));
    return items;
  },
};
