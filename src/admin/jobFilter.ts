import type { AdminJobFilter } from '../data/adminStore.js';
import { parseJobListWindow, type RawJobListWindow } from '../domain/jobListFilter.js';
import { parsePayloadCondition } from '../domain/payloadCondition.js';

/** The filter as it arrives: query parameters of GET /admin/jobs, or the body of POST /admin/jobs/retry. */
export interface RawJobFilter extends RawJobListWindow {
  tenant?: string;
  error?: string;
  payload?: string;
}

/**
 * The windows the content filters search. Error text and payload conditions are answered by reading the
 * jobs created in a time window (payloads: one primary-key lookup into raw_events per job), with no index
 * over every error or payload, which would slow ingestion; the window bounds their cost. Without `from`,
 * a content filter searches the default window before `to` (or now); a wider window is refused.
 */
export const contentWindows = {
  payload: { defaultHours: 1, maxHours: 24 },
  error: { defaultHours: 24, maxHours: 7 * 24 },
} as const;

/** A filter, or what is wrong with each field. */
export type FilterOutcome = { filter: AdminJobFilter } | { errors: Record<string, string[]> };

/** Checks and converts a filter; a content filter without `from` searches its default window (contentWindows). */
export function parseJobFilter(raw: RawJobFilter, now: Date): FilterOutcome {
  const errors: Record<string, string[]> = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  const window = parseJobListWindow(raw, errors);
  let { statuses, createdFrom } = window;
  const { createdBefore } = window;

  let payloadContains: unknown;
  const hasPayload = raw.payload !== undefined && raw.payload.trim() !== '';
  const hasError = raw.error !== undefined && raw.error !== '';
  if (hasPayload) {
    const parsed = parsePayloadCondition(raw.payload!);
    if ('problem' in parsed) add('payload', parsed.problem);
    else payloadContains = parsed.contains;
  }
  // The narrower window of the content filters in use applies.
  const contentWindow = hasPayload ? contentWindows.payload : hasError ? contentWindows.error : undefined;
  if (contentWindow) {
    const end = createdBefore ?? now;
    if (!createdFrom) createdFrom = new Date(end.getTime() - contentWindow.defaultHours * 3600_000);
    else if (end.getTime() - createdFrom.getTime() > contentWindow.maxHours * 3600_000) {
      add(
        'from',
        `${hasPayload ? 'a payload condition' : 'an error text filter'} searches at most ${contentWindow.maxHours} hours of jobs: ` +
          `set from and to at most ${contentWindow.maxHours} hours apart`,
      );
    }
  }
  // A Succeeded job has no error (success clears it): an error filter never needs to read them.
  if (hasError) statuses = statuses.filter((s) => s !== 'Succeeded');

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
