import { eventTypeKey } from '../../domain/eventTypeKey.js';
import { findPayloadProblem, unstorableTextProblem } from '../../domain/payloadCheck.js';
import { storableTimestamp } from '../../domain/timestamp.js';
import type { Caller } from '../../auth/caller.js';
import { addFieldError, ProblemError, type FieldErrors } from '../problem.js';
import type { IngestionRequest } from '../schemas/ingestion.js';

/** A batch as it will be stored: its body and the tenant it belongs to. */
export interface SubmittedBatch {
  body: IngestionRequest;
  tenantId: string;
}

/**
 * The tenant a batch is stored for: the body's `tenantId`, which a write key must match, or, left out,
 * the key's own tenant. Without keys the schema already required it.
 */
export function batchTenant(body: IngestionRequest, caller: Caller | undefined): string {
  const keyTenant = caller?.tenantId;
  if (body.tenantId === undefined) {
    if (keyTenant !== undefined) return keyTenant;
    throw new ProblemError(
      400,
      'Invalid request',
      'The request body is invalid; see errors for what to fix in each field.',
      {
        errors: { tenantId: ['tenantId is required'] },
      },
    );
  }
  if (caller && keyTenant !== body.tenantId) {
    throw new ProblemError(
      403,
      'Forbidden',
      `This key submits for tenant ${JSON.stringify(keyTenant)} only, not for tenantId ` +
        `${JSON.stringify(body.tenantId)}: send the tenant's own write key, its tenantId, or no tenantId.`,
    );
  }
  return body.tenantId;
}

/** The largest payload's JSON text in bytes, if it is larger than `limit`, with its field name. */
function oversizePayload(body: IngestionRequest, limit: number): string | undefined {
  for (let index = 0; index < body.events.length; index += 1) {
    const payload = JSON.stringify(body.events[index]!.payload ?? null);
    // One UTF-16 unit is at most 3 UTF-8 bytes: only a payload near the limit is measured exactly.
    if (payload.length * 3 > limit && Buffer.byteLength(payload) > limit) return `events[${index}].payload`;
  }
  return undefined;
}

/**
 * Serializes the events for the insert statement and checks what the schema cannot express: payload
 * size, nesting, unstorable characters. Throws a ProblemError naming every offending field.
 */
export function eventsJsonFor(batch: SubmittedBatch, maxPayloadBytes: number): string {
  const { body } = batch;
  const errors: FieldErrors = {};
  const tenantProblem = unstorableTextProblem(batch.tenantId);
  if (tenantProblem) addFieldError(errors, 'tenantId', tenantProblem);
  body.events.forEach((event, index) => {
    const typeProblem = unstorableTextProblem(event.type);
    if (typeProblem) addFieldError(errors, `events[${index}].type`, typeProblem);
    const problem = event.payload === undefined ? undefined : findPayloadProblem(event.payload);
    if (problem) addFieldError(errors, `events[${index}].payload`, problem);
  });
  if (Object.keys(errors).length > 0) {
    throw new ProblemError(
      400,
      'Invalid request',
      'The request body is invalid; see errors for what to fix in each field.',
      {
        errors,
      },
    );
  }
  // One serialization of the whole array: building each event's text separately allocated several
  // times its size. The nesting is bounded by now, so JSON.stringify cannot overflow its stack.
  const eventsJson = JSON.stringify(
    body.events.map((event) => ({
      t: event.type,
      k: eventTypeKey(event.type),
      ts: storableTimestamp(event.timestamp),
      p: event.payload ?? null,
    })),
  );
  // No payload is longer than all of them together: most requests never serialize one alone.
  const oversize =
    eventsJson.length * 3 > maxPayloadBytes && Buffer.byteLength(eventsJson) > maxPayloadBytes
      ? oversizePayload(body, maxPayloadBytes)
      : undefined;
  if (oversize) {
    throw new ProblemError(
      413,
      'Payload too large',
      `${oversize} is larger than ${maxPayloadBytes} bytes of JSON, the most one event may carry.`,
    );
  }
  return eventsJson;
}

/** How many times a header occurs in Node's raw header list (name, value, name, value …). */
export function headerCount(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) count += 1;
  return count;
}

/**
 * What a job stores of its request, and so what its idempotency fingerprint covers: fields the schema
 * does not know are left out, an absent payload is the null it is stored as, and the tenant is the one the
 * job is stored for, whether the body named it or the key did. A client that adds a field to its retries,
 * or names its tenant in one and not the other, therefore replays its job instead of being told the body
 * differs.
 */
export function storedContent({ body, tenantId }: SubmittedBatch): unknown {
  return {
    tenantId,
    events: body.events.map((event) => ({
      type: event.type,
      timestamp: storableTimestamp(event.timestamp),
      payload: event.payload ?? null,
    })),
  };
}
