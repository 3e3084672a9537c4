import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { pageSizeForm } from '../domain/jobListFilter.js';
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

/** A validation error as ajv's `verbose` option leaves it: with the failing schema's parent and the value. */
type VerboseError = FastifySchemaValidationError & { parentSchema?: unknown; data?: unknown };

const repeatedMessage = 'give it once; separate several values with commas';

/** The properties the schema of an additionalProperties error declares (ajv's `verbose` keeps it). */
function knownNames(error: VerboseError): string {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  const names = Object.keys(properties ?? {});
  return names.length > 0 ? names.join(', ') : 'none';
}

function message(error: VerboseError, field: string, context: string): string {
  const params = error.params as Record<string, unknown>;
  const leaf = field.split(/[.[]/).pop() ?? field;
  switch (error.keyword) {
    case 'required':
      return `${leaf} is required`;
    case 'type':
      // A query parameter sent twice arrives as a list.
      if (Array.isArray(error.data) && params.type === 'string') return repeatedMessage;
      return `must be ${params.type === 'array' || params.type === 'object' || params.type === 'integer' ? 'an' : 'a'} ${String(params.type)}`;
    case 'additionalProperties':
      return `is not a ${context === 'body' ? 'field' : 'parameter'} of this request; it takes ${knownNames(error)}`;
    case 'minLength':
      return emptyMessage;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'pattern':
      return params.pattern === uuidPattern
        ? uuidMessage
        : params.pattern === pageSizeForm.pattern
          ? pageSizeForm.message
          : blankMessage;
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
  // A value outside a union of constants ("true" or "false") fails each constant and then the union:
  // one message lists the values instead.
  const allowed = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword !== 'const') continue;
    const values = allowed.get(error.instancePath) ?? [];
    values.push(String((error.params as { allowedValue?: unknown }).allowedValue));
    allowed.set(error.instancePath, values);
  }
  for (const error of errors) {
    if (
      error.keyword === 'const' &&
      errors.some((e) => e.keyword === 'anyOf' && e.instancePath === error.instancePath)
    )
      continue;
    let field = fieldPath(error.instancePath);
    const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
    if (error.keyword === 'required' || error.keyword === 'additionalProperties') {
      const named = String(params.missingProperty ?? params.additionalProperty ?? '');
      field = field ? `${field}.${named}` : named;
    }
    if (context === 'headers') field = field === 'idempotency-key' ? 'Idempotency-Key' : field;
    if (!field) field = context;
    if (!(field in fields) && Object.keys(fields).length >= maxReportedFields) continue;
    const values = allowed.get(error.instancePath);
    const text =
      error.keyword === 'type' && field === context
        ? `${context} must be a JSON object`
        : error.keyword === 'anyOf' && values
          ? `must be one of ${values.join(', ')}`
          : message(error, field, context);
    // An empty string fails both minLength and the non-blank pattern: one message says it.
    const emptyAndBlank =
      [emptyMessage, blankMessage].includes(text) &&
      fields[field]?.some((m) => [emptyMessage, blankMessage].includes(m));
    if (!fields[field]?.includes(text) && !emptyAndBlank) addFieldError(fields, field, text);
  }
  return fields;
}
