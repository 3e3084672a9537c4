import { Type, type Static } from '@sinclair/typebox';

/** An RFC 9457 problem document: every error the API returns has this shape. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'A URI naming the kind of problem; about:blank for plain HTTP errors.',
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
    jobId: Type.Optional(Type.String({ format: 'uuid' })),
  },
  { $id: 'Problem', additionalProperties: false },
);

/** A problem document. */
export type Problem = Static<typeof ProblemSchema>;
