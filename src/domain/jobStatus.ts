/**
 * The states of an ingestion job, spelled as the .NET template's clients read them.
 * Pending → Processing → Succeeded, or back to Pending for a retry, or Failed when attempts run out.
 */
export const jobStatuses = ['Pending', 'Processing', 'Succeeded', 'Failed'] as const;

/** One of {@link jobStatuses}. */
export type JobStatus = (typeof jobStatuses)[number];

/** The status a text names, in any case (`failed`, `FAILED`), spelled as the API writes it; else undefined. */
export function jobStatusOf(text: string): JobStatus | undefined {
  const lower = text.trim().toLowerCase();
  return jobStatuses.find((status) => status.toLowerCase() === lower);
}
