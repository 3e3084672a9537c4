// Histogram buckets, in seconds. Each spans the range its measurement really takes on a healthy and on a
// struggling service, so both a p50 and a p99 fall inside the buckets rather than in +Inf.

/** HTTP answers: a millisecond (a health check) to ten seconds (the longest statement timeout). */
export const httpBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Accepted → claimed: milliseconds on an idle system (LISTEN/NOTIFY), up to an hour behind a backlog.
 */
export const queueWaitBuckets = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

/** Claimed → outcome recorded: a millisecond for a small batch, up to the minutes of a slow job. */
export const processingBuckets = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];
