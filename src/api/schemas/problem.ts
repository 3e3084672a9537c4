import { Type, type Static } from '@sinclair/typebox';

/** An RFC 9457 problem document: every error the API returns has this shape. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description:
        'A URI naming the kind of problem: about:blank for every problem this service answers, whose kind ' +
        'is then told by status and title (RFC 9457, section 4.2.1).',
      examples: ['about:blank'],
    }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong with this request and how to fix it.' }),
    instance: Type.Optional(Type.String()),
    correlationId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Record(Type.String(), Type.Array(Type.String()), {
        description: 'Field path (tenantId, events[3].timestamp) to what is wrong with it.',
      }),
    ),
    jobId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          'The job a 422 refers to (stored for the reused Idempotency-Key), or, on a 503 Outcome unknown, the ' +
          'job the batch has if it was stored.',
      }),
    ),
  },
  { $id: 'Problem', additionalProperties: false },
);

/** A problem document. */
export type Problem = Static<typeof ProblemSchema>;
