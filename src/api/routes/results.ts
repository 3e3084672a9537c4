import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { resultsFind } from '../../data/ingestionStore.js';
import type { Pool } from '../../data/pool.js';
import { instantText } from '../../domain/timestamp.js';
import { ProblemError } from '../problem.js';
import { JobIdParamsSchema } from '../schemas/ingestion.js';
import { JobResultsSchema } from '../schemas/job.js';
import { jobIdProblemResponses, jsonResponse } from '../schemas/responses.js';

/** GET /v1/results/{jobId}. */
export const resultRoutes: FastifyPluginAsyncTypebox<{ pool: Pool }> = async (app, options) => {
  app.get(
    '/v1/results/:jobId',
    {
      schema: {
        operationId: 'getResults',
        tags: ['Ingestion'],
        summary: "A job's results",
        description:
          'Counts per event type (grouped ignoring case, named with the casing of the first event of the ' +
          'type), with the earliest and latest timestamp, ordered by type ignoring case. The list is empty ' +
          'until the job has Succeeded; status says where the job is. A job completed by a processor ' +
          'written in TypeScript has its result in `output` instead, and an empty list.',
        params: JobIdParamsSchema,
        response: { 200: jsonResponse("The job's results.", JobResultsSchema), ...jobIdProblemResponses },
      },
    },
    async (request) => {
      // The canonical, lowercase form, as every answer shows it.
      const jobId = request.params.jobId.toLowerCase();
      const found = await resultsFind(options.pool, jobId);
      if (!found) throw new ProblemError(404, 'Job not found', `No job has the id ${jobId}.`);
      return {
        jobId,
        status: found.status,
        results: found.results.map((result) => ({
          eventType: result.eventType,
          count: result.count,
          firstTimestamp: instantText(result.firstMicros),
          lastTimestamp: instantText(result.lastMicros),
        })),
        ...('output' in found ? { output: found.output } : {}),
      };
    },
  );
};
