// The API's request and response shapes, named: aliases of the types generated from its OpenAPI
// document (generated/openapi.ts), so they follow the API wherever it goes.
import type { components, operations } from './generated/openapi.js';

type JsonOf<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : never;

/** A job's status document (GET /v1/ingestions/{jobId}). */
export type Job = JsonOf<operations['getIngestion']['responses'][200]>;
/** Pending, Processing, Succeeded or Failed. */
export type JobStatus = Job['status'];
/** A job's results (GET /v1/results/{jobId}). */
export type JobResults = JsonOf<operations['getResults']['responses'][200]>;
/** A page of the tenant's jobs (GET /v1/ingestions). */
export type JobPage = JsonOf<operations['listIngestions']['responses'][200]>;
/**
 * What to list (GET /v1/ingestions): statuses, a time range, a page size (a number here, though a
 * query string carries text) and the cursor to continue from.
 */
export type ListJobsQuery = Omit<
  NonNullable<operations['listIngestions']['parameters']['query']>,
  'limit'
> & {
  limit?: number | string;
};
/** The body of POST /v1/ingestions. */
export type Batch = operations['submitIngestion']['requestBody']['content']['application/json'];
/** One event as the API stores it. */
export type StoredEvent = Batch['events'][number];
/** The answer to an accepted batch. */
export type Accepted = JsonOf<operations['submitIngestion']['responses'][202]>;
/** An error answer of the API (RFC 9457), with `errors` per field for invalid input. */
export type Problem = components['schemas']['Problem'];

/** An event as `track()` takes it: the timestamp may be a Date, and is the time of the call when left out. */
export interface TrackEvent {
  type: string;
  timestamp?: string | Date;
  payload?: unknown;
}
