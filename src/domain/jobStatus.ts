/**
 * The states of an ingestion job, spelled as the .NET template's clients read them.
 * Pending → Processing → Succeeded, or back to Pending for a retry, or Failed when attempts run out.
 */
export const jobStatuses = ['Pending', 'Processing', 'Succeeded', 'Failed'] as const;

/** One of {@link jobStatuses}. */
export type JobStatus = (typeof jobStatuses)[number];
