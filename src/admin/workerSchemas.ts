import { Type } from '@sinclair/typebox';

const dateTime = Type.String({ format: 'date-time' });

/** One worker process in GET /admin/workers. */
export const WorkerProcessSchema = Type.Object({
  workerId: Type.String({ description: 'The name it writes on the jobs it claims (host/pid/random).' }),
  host: Type.String(),
  pid: Type.Integer(),
  version: Type.String(),
  startedAt: dateTime,
  concurrency: Type.Integer({ description: 'WORKER_CONCURRENCY: claim loops it runs.' }),
  jobsInHand: Type.Integer({ description: 'Jobs it held at its last announcement.' }),
  leasedJobs: Type.Integer({
    description:
      'Jobs Processing under its name in the database now: a gone worker keeps them until the lease sweep takes them back.',
  }),
  lastHeartbeatAt: dateTime,
  lastHeartbeatAgeSeconds: Type.Number({ description: 'By the database clock.' }),
  stoppedAt: Type.Union([dateTime, Type.Null()]),
  state: Type.Union([Type.Literal('live'), Type.Literal('gone'), Type.Literal('stopped')], {
    description:
      'live; gone: no announcement for three intervals and 5 s (killed, frozen or cut off from the database); stopped: stopped gracefully.',
  }),
});

/** GET /admin/workers. */
export const WorkerListSchema = Type.Object({
  workers: Type.Array(WorkerProcessSchema, {
    description: 'Live ones first, then those gone or stopped in the last hour, most recent first.',
  }),
  now: dateTime,
});
