// The ingest service's client: createClient({ baseUrl, key }) returns a client that batches, compresses
// and retries events safely, and reads jobs and results. README.md documents every setting.
export { createClient, type ClientStats, type IngestClient } from './client.js';
export type { ClientOptions } from './options.js';
export {
  DroppedEventsError,
  IngestApiError,
  RejectedBatchError,
  UndeliveredBatchError,
  type ClientError,
} from './errors.js';
export type {
  Accepted,
  Batch,
  Job,
  JobPage,
  JobResults,
  JobStatus,
  ListJobsQuery,
  Problem,
  StoredEvent,
  TrackEvent,
} from './types.js';
