import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  claim: sqlStatement('webhookDeliveriesClaim'),
  record: sqlStatement('webhookDeliveriesRecord'),
  disable: sqlStatement('webhookEndpointsDisable'),
  release: sqlStatement('webhookDeliveriesRelease'),
  forJob: sqlStatement('webhookDeliveriesForJob').text,
  resend: sqlStatement('webhookDeliveryResend').text,
  backlog: sqlStatement('webhookBacklog'),
};

/** A message a worker holds the claim on, with what it takes to send it. */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  jobId: string;
  tenantId: string;
  eventType: string;
  /** This attempt's number, from 1. */
  attempt: number;
  /** The body, exactly as stored: every attempt sends these bytes. */
  body: string;
  traceparent: string | null;
  url: string;
  /** The secrets that sign: the endpoint's, and the one a rotation replaced while it still signs. */
  secrets: string[];
}

/** Where a delivery loop is in its round of the endpoints: the endpoint its previous claim ended with. */
export interface DeliveryCursor {
  afterEndpoint: string;
}

/** A cursor at the start of the round. */
export function newDeliveryCursor(): DeliveryCursor {
  return { afterEndpoint: '00000000-0000-0000-0000-000000000000' };
}

/** What a claim may take. */
export interface DeliveryClaimLimits {
  /** Messages in all. */
  limit: number;
  /** Messages per endpoint on their way at once, counting `sending`. */
  perEndpoint: number;
  /** How many this worker is sending to each endpoint now. */
  sending: ReadonlyMap<string, number>;
  /** How long the claim holds: past it, the message is due again for anyone. */
  leaseSeconds: number;
  /** Endpoints one claim visits at most. */
  endpointsPerClaim: number;
}

/**
 * Claims due messages for `owner`, fairly across endpoints (see webhookDeliveriesClaim.sql), and moves
 * `cursor` to where this claim ended its round.
 */
export async function webhookDeliveriesClaim(
  pool: Pool,
  owner: string,
  limits: DeliveryClaimLimits,
  cursor: DeliveryCursor,
): Promise<ClaimedDelivery[]> {
  const { rows } = await pool.query<{
    id: string;
    endpoint_id: string;
    job_id: string;
    tenant_id: string;
    event_type: string;
    attempt: number;
    body: string;
    traceparent: string | null;
    url: string;
    secret: string;
    previous_secret: string | null;
    ring_end: string | null;
  }>({
    ...statements.claim,
    values: [
      owner,
      limits.limit,
      limits.perEndpoint,
      [...limits.sending.keys()],
      [...limits.sending.values()],
      limits.leaseSeconds,
      cursor.afterEndpoint,
      limits.endpointsPerClaim,
    ],
  });
  const ringEnd = rows[0]?.ring_end;
  if (ringEnd) cursor.afterEndpoint = ringEnd;
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    jobId: row.job_id,
    tenantId: row.tenant_id,
    eventType: row.event_type,
    attempt: row.attempt,
    body: row.body,
    traceparent: row.traceparent,
    url: row.url,
    secrets: row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
  }));
}

/** The outcome of one attempt, to record. */
export interface DeliveryOutcome {
  id: string;
  attempt: number;
  kind: 'delivered' | 'retry' | 'failed' | 'gone';
  statusCode: number | undefined;
  durationMs: number;
  error: string | undefined;
  /** For a retry: seconds until the next attempt. */
  retryInSeconds: number | undefined;
  startedAt: Date;
}

/**
 * Records attempts' outcomes in one statement; returns what became of each message recorded (a message
 * another worker took over meanwhile is left out). Endpoints that answered 410 Gone are then disabled by
 * a second statement, which gives up their waiting messages; `givenUp` counts those.
 */
export async function webhookDeliveriesRecord(
  pool: Pool,
  owner: string,
  outcomes: readonly DeliveryOutcome[],
): Promise<{ recorded: Array<{ id: string; status: 'pending' | 'delivered' | 'failed' }>; givenUp: number }> {
  const { rows } = await pool.query<{
    id: string;
    endpoint_id: string;
    status: 'pending' | 'delivered' | 'failed';
    kind: DeliveryOutcome['kind'];
  }>({
    ...statements.record,
    values: [
      owner,
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.attempt),
      outcomes.map((o) => o.kind),
      outcomes.map((o) => o.statusCode ?? null),
      outcomes.map((o) => o.durationMs),
      outcomes.map((o) => o.error ?? null),
      outcomes.map((o) => o.retryInSeconds ?? null),
      outcomes.map((o) => o.startedAt),
    ],
  });
  const gone = [...new Set(rows.filter((row) => row.kind === 'gone').map((row) => row.endpoint_id))];
  let givenUp = 0;
  if (gone.length > 0) {
    const disabled = await pool.query({ ...statements.disable, values: [gone] });
    givenUp = disabled.rowCount ?? 0;
  }
  return { recorded: rows.map(({ id, status }) => ({ id, status })), givenUp };
}

/** Hands messages back without using up their attempt (a worker is stopping). */
export async function webhookDeliveriesRelease(
  pool: Pool,
  owner: string,
  ids: readonly string[],
): Promise<number> {
  const { rowCount } = await pool.query({ ...statements.release, values: [owner, ids] });
  return rowCount ?? 0;
}

/** One attempt to deliver a message, or an operator's re-send. */
export interface DeliveryAttempt {
  attempt?: number;
  startedAt?: string;
  durationMs?: number;
  statusCode?: number | null;
  error?: string | null;
  worker?: string;
  resentAt?: string;
}

/** A message of a job, as the admin API shows it. */
export interface JobDelivery {
  id: string;
  endpointId: string;
  /** The endpoint's URL; null once the endpoint is deleted. */
  url: string | null;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempt: number;
  nextAttemptAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
  lastError: string | null;
  attempts: DeliveryAttempt[];
  /** An attempt is on its way now. */
  sending: boolean;
}

/** A job's messages, oldest first. */
export async function webhookDeliveriesForJob(pool: Pool, jobId: string): Promise<JobDelivery[]> {
  const { rows } = await pool.query<{
    id: string;
    endpoint_id: string;
    url: string | null;
    event_type: string;
    status: JobDelivery['status'];
    attempt: number;
    next_attempt_at: Date;
    created_at: Date;
    finished_at: Date | null;
    last_error: string | null;
    attempts: DeliveryAttempt[];
    sending: boolean;
  }>(statements.forJob, [jobId]);
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    url: row.url,
    eventType: row.event_type,
    status: row.status,
    attempt: row.attempt,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    lastError: row.last_error,
    attempts: row.attempts,
    sending: row.sending,
  }));
}

/**
 * Makes a message due again with fresh attempts: resent; busy when it cannot be now (an attempt is on its
 * way, or its endpoint is disabled or deleted); unknown when there is no such message.
 */
export async function webhookDeliveryResend(pool: Pool, id: string): Promise<'resent' | 'busy' | 'unknown'> {
  const { rows } = await pool.query<{ found: boolean; resent: boolean }>(statements.resend, [id]);
  const { found, resent } = rows[0]!;
  return resent ? 'resent' : found ? 'busy' : 'unknown';
}

/** The messages waiting to be delivered. */
export interface WebhookBacklog {
  /** How many, counted to 100,000 at most. */
  pending: number;
  /** When the oldest was written; null when none waits. */
  oldest: Date | null;
  /** The database's clock at the count. */
  now: Date;
}

/** Counts the backlog for the metrics. */
export async function webhookBacklog(pool: Pool): Promise<WebhookBacklog> {
  const { rows } = await pool.query<WebhookBacklog>({ ...statements.backlog, values: [100_000] });
  return rows[0]!;
}
