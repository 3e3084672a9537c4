import type { AdminJobFilter } from '../data/adminStore.js';
import { jobStatuses, type JobStatus } from '../domain/jobStatus.js';
import { parsePayloadCondition } from '../domain/payloadCondition.js';
import { isRfc3339DateTime } from '../domain/timestamp.js';

/** The filter as it arrives: query parameters of GET /admin/jobs, or the body of POST /admin/jobs/retry. */
export interface RawJobFilter {
  status?: string;
  tenant?: string;
  from?: string;
  to?: string;
  error?: string;
  payload?: string;
}

/**
 * The longest window a payload condition may search. The condition is answered from the events of the
 * jobs created in the window (no index over every payload, which would slow ingestion), so the window
 * bounds its cost.
 */
export const payloadWindowHours = 24;

/** A filter, or what is wrong with each field. */
export type FilterOutcome = { filter: AdminJobFilter } | { errors: Record<string, string[]> };

/** Checks and converts a filter; a payload condition without `from` searches the last 24 hours before `to`. */
export function parseJobFilter(raw: RawJobFilter, now: Date): FilterOutcome {
  const errors: Record<string, string[]> = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);

  let statuses: JobStatus[] = [...jobStatuses];
  if (raw.status !== undefined && raw.status.trim() !== '') {
    const wanted = raw.status.split(',').map((s) => s.trim());
    const unknown = wanted.filter((s) => !(jobStatuses as readonly string[]).includes(s));
    if (unknown.length > 0) add('status', `expected a comma-separated list of ${jobStatuses.join(', ')}`);
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
  let createdFrom = date('from');
  const createdBefore = date('to');
  if (createdFrom && createdBefore && createdFrom >= createdBefore) add('to', 'must be later than from');

  let payloadContains: unknown;
  if (raw.payload !== undefined && raw.payload.trim() !== '') {
    const parsed = parsePayloadCondition(raw.payload);
    if ('problem' in parsed) add('payload', parsed.problem);
    else payloadContains = parsed.contains;
    const end = createdBefore ?? now;
    const windowMs = payloadWindowHours * 3600_000;
    if (!createdFrom) createdFrom = new Date(end.getTime() - windowMs);
    else if (end.getTime() - createdFrom.getTime() > windowMs) {
      add(
        'from',
        `a payload condition searches at most ${payloadWindowHours} hours of jobs: set from and to at most ${payloadWindowHours} hours apart`,
      );
    }
  }

  if (Object.keys(errors).length > 0) return { errors };
  const blankToUndefined = (text: string | undefined) =>
    text === undefined || text === '' ? undefined : text;
  return {
    filter: {
      statuses,
      tenantId: blankToUndefined(raw.tenant),
      createdFrom,
      createdBefore,
      errorContains: blankToUndefined(raw.error),
      payloadContains,
    },
  };
}
