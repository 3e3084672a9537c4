import { randomUUID } from 'node:crypto';
import type { Pool } from '../data/pool.js';
import {
  webhookEndpointInsert,
  webhookEndpointRotate,
  webhookEvents,
  type WebhookEvent,
} from '../data/webhookEndpoints.js';
import { endpointUrlProblem } from './endpointUrl.js';
import { generateWebhookSecret } from './webhookSecret.js';

/** How long a secret replaced by a rotation keeps signing beside the new one: a day. */
export const secretOverlapSeconds = 24 * 3600;

/** What a new endpoint is made of. */
export interface EndpointInput {
  tenantId: string;
  url: string;
  /** Both events when absent. */
  events?: readonly string[] | undefined;
}

/** An endpoint just made, with its secret (shown this once). */
export interface CreatedEndpoint {
  id: string;
  tenantId: string;
  url: string;
  events: WebhookEvent[];
  secret: string;
  createdAt: Date;
}

/** Problems of an endpoint's fields, by field; empty when it may be stored. */
export function endpointInputProblems(input: EndpointInput, allowPrivate: boolean): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  const tenant = input.tenantId.trim();
  if (tenant.length === 0 || input.tenantId.length > 128) problems.tenantId = ['must be 1 to 128 characters'];
  const url = endpointUrlProblem(input.url, allowPrivate);
  if (url) problems.url = [url];
  const events = input.events ?? webhookEvents;
  const unknown = events.filter((event) => !(webhookEvents as readonly string[]).includes(event));
  if (events.length === 0 || unknown.length > 0 || new Set(events).size !== events.length)
    problems.events = [`must name one or both of ${webhookEvents.join(', ')}, each once`];
  return problems;
}

/**
 * Makes an endpoint with a new secret, or answers the problems of its fields. The URL is checked as
 * written; it is checked again, after DNS resolution, at every delivery.
 */
export async function webhookEndpointCreate(
  pool: Pool,
  input: EndpointInput,
  allowPrivate: boolean,
): Promise<CreatedEndpoint | { problems: Record<string, string[]> }> {
  const problems = endpointInputProblems(input, allowPrivate);
  if (Object.keys(problems).length > 0) return { problems };
  const endpoint = {
    id: randomUUID(),
    tenantId: input.tenantId,
    url: input.url,
    events: [...((input.events ?? webhookEvents) as readonly WebhookEvent[])],
    secret: generateWebhookSecret(),
  };
  const { createdAt } = await webhookEndpointInsert(pool, endpoint);
  return { ...endpoint, createdAt };
}

/**
 * Gives an endpoint a new secret; the old one signs too for {@link secretOverlapSeconds}. Undefined when
 * there is no endpoint with this id.
 */
export async function webhookSecretRotate(
  pool: Pool,
  id: string,
): Promise<{ secret: string; previousSecretUntil: Date } | undefined> {
  const secret = generateWebhookSecret();
  const rotated = await webhookEndpointRotate(pool, id, secret, secretOverlapSeconds);
  return rotated && { secret, previousSecretUntil: rotated.previousSecretUntil };
}
