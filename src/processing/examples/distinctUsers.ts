// The processor docs/customizing.md builds step by step: per event type, how many events and how many
// distinct users (payload.userId) it had, leaving out one type of event. Run it with
//   PROCESSOR_MODULE=src/processing/examples/distinctUsers.ts npm run worker
import { eventTypeKey } from '../../domain/eventTypeKey.js';
import { PermanentJobError, type JobProcessor } from '../processor.js';

/** One line of the output. */
export type TypeUsers = {
  /** The casing of the type's first event in submission order. */
  eventType: string;
  events: number;
  /** Distinct payload.userId values among the type's events; events without one are not counted here. */
  distinctUsers: number;
};

/** The whole output of a job. */
export type DistinctUsersOutput = { droppedType: string; dropped: number; types: TypeUsers[] };

/**
 * Counts events and distinct users per type (ignoring case, as the template groups), dropping every event
 * whose type is `droppedType` (ignoring case too). A userId that is neither a string nor a number can
 * never be counted, however often the job is retried: the job fails at once with a PermanentJobError.
 * Memory grows with the number of distinct users per type, never with the number of events.
 */
export function distinctUsersProcessor(droppedType: string): JobProcessor {
  const droppedKey = eventTypeKey(droppedType);
  return {
    name: `distinct-users (dropping ${droppedType})`,
    async process({ events, signal }) {
      const byType = new Map<string, { eventType: string; events: number; users: Set<string> }>();
      let dropped = 0;
      for await (const event of events) {
        signal.throwIfAborted();
        if (event.typeKey === droppedKey) {
          dropped += 1;
          continue;
        }
        let group = byType.get(event.typeKey);
        if (!group)
          byType.set(event.typeKey, (group = { eventType: event.type, events: 0, users: new Set() }));
        group.events += 1;
        const userId = (event.payload as { userId?: unknown } | null)?.userId;
        if (userId === undefined || userId === null) continue;
        if (typeof userId !== 'string' && typeof userId !== 'number')
          throw new PermanentJobError(`event ${event.seq}: payload.userId must be a string or a number`);
        // 42 and "42" are one user: ids arrive as either from different clients.
        group.users.add(String(userId));
      }
      const types = [...byType.values()]
        .map((group) => ({
          eventType: group.eventType,
          events: group.events,
          distinctUsers: group.users.size,
        }))
        .sort((a, b) => (a.eventType < b.eventType ? -1 : a.eventType > b.eventType ? 1 : 0));
      const output: DistinctUsersOutput = { droppedType, dropped, types };
      return output;
    },
  };
}

/** What PROCESSOR_MODULE loads: the example with `heartbeat` events dropped. */
export const processor = distinctUsersProcessor('heartbeat');
