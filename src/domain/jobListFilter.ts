import { jobStatusOf, jobStatuses, type JobStatus } from './jobStatus.js';
import { isRfc3339DateTime } from './timestamp.js';

/** What every job list filters on: statuses, and a range of creation times. */
export interface JobListWindow {
  statuses: JobStatus[];
  /** Created at or after. */
  createdFrom?: Date;
  /** Created before. */
  createdBefore?: Date;
}

/** The fields of a job list's query that {@link parseJobListWindow} reads, as they arrive. */
export interface RawJobListWindow {
  status?: string;
  from?: string;
  to?: string;
}

/** Page sizes of the job lists: 50 when none is asked for, at most 200. */
export const jobPageSize = { default: 50, max: 200 } as const;

/**
 * How a list's `limit` parameter is written (the schemas check the form, {@link parsePageSize} the
 * range), and what an answer says when it is not.
 */
export const pageSizeForm = {
  pattern: '^[0-9]{1,3}$',
  message: `expected a whole number from 1 to ${jobPageSize.max}`,
} as const;

/**
 * Checks and converts the status list (comma-separated; absent or blank: every status) and the time
 * range of a job list's query, adding what is wrong with each field to `errors`.
 */
export function parseJobListWindow(raw: RawJobListWindow, errors: Record<string, string[]>): JobListWindow {
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  let statuses: JobStatus[] = [...jobStatuses];
  if (raw.status !== undefined && raw.status.trim() !== '') {
    // Any case (`failed`), read as the canonical spelling every answer uses.
    const wanted = raw.status.split(',').map(jobStatusOf);
    if (wanted.includes(undefined)) {
      add('status', `expected a comma-separated list of ${jobStatuses.join(', ')} (in any case)`);
    }
    statuses = jobStatuses.filter((s) => wanted.includes(s));
  }
  const date = (field: 'from' | 'to'): Date | undefined => {
    const value = raw[field];
    if (value === undefined || value === '') return undefined;
    if (!isRfc3339DateTime(value)) {
      add(field, 'expected an RFC 3339 date-time with offset, such as 2024-05-01T12:00:00Z');
      return undefined;
    }
    return new Date(value);
  };
  const createdFrom = date('from');
  const createdBefore = date('to');
  if (createdFrom && createdBefore && createdFrom >= createdBefore) add('to', 'must be later than from');
  return { statuses, createdFrom, createdBefore };
}

/** The page size a `limit` parameter asks for, or undefined when it is not a whole number in range. */
export function parsePageSize(limit: string | undefined): number | undefined {
  if (limit === undefined) return jobPageSize.default;
  const size = Number(limit);
  return Number.isInteger(size) && size >= 1 && size <= jobPageSize.max ? size : undefined;
}
