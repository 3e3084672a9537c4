import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { addFieldError, type FieldErrors } from './problem.js';
import { uuidPattern } from './schemas/ingestion.js';

const uuidMessage = 'must be a UUID';
const emptyMessage = 'must not be empty';
const blankMessage = 'must not be blank';

// `/events/3/timestamp` → `events[3].timestamp`
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function message(error: FastifySchemaValidationError, field: string): string {
  const params = error.params as Record<string, unknown>;
  const leaf = field.split(/[.[]/).pop() ?? field;
  switch (error.keyword) {
    case 'required':
      return `${leaf} is required`;
    case 'type':
      return `must be ${params.type === 'array' || params.type === 'object' || params.type === 'integer' ? 'an' : 'a'} ${String(params.type)}`;
    case 'minLength':
      return emptyMessage;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'pattern':
      return params.pattern === uuidPattern ? uuidMessage : blankMessage;
    case 'minItems':
      return field === 'events'
        ? 'at least one event is required'
        : `must have at least ${String(params.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items`;
    case 'format':
      return params.format === 'rfc3339-date-time'
        ? 'must be an RFC 3339 date-time with offset, such as 2024-05-01T12:00:00Z'
        : params.format === 'uuid'
          ? uuidMessage
          : `must be a ${String(params.format)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** Most fields one answer lists, so a hostile batch cannot make the error document huge. */
const maxReportedFields = 100;

/**
 * Turns the schema validator's errors into the contract's `errors` object: field path → messages.
 * `context` is the part of the request the errors are about (body, params, headers).
 */
export function fieldErrorsFromValidation(
  errors: readonly FastifySchemaValidationError[],
  context: string,
): FieldErrors {
  const fields: FieldErrors = {};
  for (const error of errors) {
    let field = fieldPath(error.instancePath);
    if (error.keyword === 'required') {
      const missing = String((error.params as { missingProperty?: unknown }).missingProperty ?? '');
      field = field ? `${field}.${missing}` : missing;
    }
    if (context === 'headers') field = field === 'idempotency-key' ? 'Idempotency-Key' : field;
    if (!field) field = context;
    if (!(field in fields) && Object.keys(fields).length >= maxReportedFields) continue;
    const text =
      error.keyword === 'type' && field === context
        ? `${context} must be a JSON object`
        : message(error, field);
    // An empty string fails both minLength and the non-blank pattern: one message says it.
    const emptyAndBlank =
      [emptyMessage, blankMessage].includes(text) &&
      fields[field]?.some((m) => [emptyMessage, blankMessage].includes(m));
    if (!fields[field]?.includes(text) && !emptyAndBlank) addFieldError(fields, field, text);
  }
  return fields;
}
