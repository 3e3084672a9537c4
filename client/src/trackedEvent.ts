import type { StoredEvent, TrackEvent } from './types.js';

// The form of RFC 3339 date-time the service takes: an offset is required (`Z` or ±hh:mm), `T` may be
// lower case or a space, the seconds may carry a fraction. The service still checks the ranges (a 13th
// month is its 400); this catches what a caller gets wrong most (no offset, epoch milliseconds, words).
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The event as it is sent, or a TypeError naming what is wrong. Checked when it is tracked, not when
 * its batch is refused: one bad event would make the service refuse its whole batch, the good events
 * with it.
 */
export function trackedEvent(event: TrackEvent): StoredEvent {
  if (
    event === null ||
    typeof event !== 'object' ||
    typeof event.type !== 'string' ||
    event.type.trim() === ''
  )
    throw new TypeError('track() takes an event with a non-blank type: { type, timestamp?, payload? }');
  const timestamp = event.timestamp ?? new Date();
  let text: string;
  if (timestamp instanceof Date) {
    if (Number.isNaN(timestamp.getTime())) throw new TypeError('track(): the timestamp is an invalid Date');
    text = timestamp.toISOString();
  } else if (typeof timestamp === 'string' && rfc3339.test(timestamp)) {
    text = timestamp;
  } else {
    throw new TypeError(
      `track(): the timestamp ${JSON.stringify(timestamp)} is neither a Date nor an RFC 3339 date-time with ` +
        'an offset (2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00); leave it out for now',
    );
  }
  return {
    type: event.type,
    timestamp: text,
    ...(event.payload === undefined ? {} : { payload: event.payload }),
  };
}
