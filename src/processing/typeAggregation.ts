import { typeGroupAdd, typeGroupsSorted, type TypeGroup } from '../domain/aggregation.js';
import { instantText } from '../domain/timestamp.js';
import type { JobProcessor } from './processor.js';

/** One item of the aggregation's output (an array of them): the shape of GET /v1/results' `results` items. */
export type TypeCount = {
  eventType: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
};

/**
 * The worked example of the processing seam: the template's aggregation by type, in TypeScript. Events
 * are grouped by their stored type key (the type ignoring case); each group reports the casing of its
 * first event in submission order, its count, and its earliest and latest timestamp to the microsecond;
 * groups are ordered by key (the rule: src/domain/aggregation.ts). The worker does not use it by default:
 * the same rule runs as one GROUP BY inside the completion statement (jobsSucceed.sql), which is much
 * faster. A property test (test/integration/typeAggregation.test.ts) holds the two to identical results.
 */
export const typeAggregation: JobProcessor = {
  name: 'type-aggregation',
  async process({ events, signal }) {
    const groups = new Map<string, TypeGroup<bigint>>();
    for await (const event of events) {
      signal.throwIfAborted();
      typeGroupAdd(groups, { type: event.type, typeKey: event.typeKey, at: event.micros });
    }
    const items: TypeCount[] = typeGroupsSorted(groups).map((group) => ({
      eventType: group.eventType,
      count: group.count,
      firstTimestamp: instantText(group.first),
      lastTimestamp: instantText(group.last),
    }));
    return items;
  },
};
