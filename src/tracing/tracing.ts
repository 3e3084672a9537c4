// The one way the service starts spans. api/, worker/ and webhooks/ call this interface; whether anything
// is behind it is decided once per process by startTracing (tracingSetup.ts), from the OTEL_* variables.
// Without them the service runs on noTracing below and the OpenTelemetry SDK is never loaded.

/** The kinds of span the service starts (OpenTelemetry's SpanKind, by name). */
export type SpanKind = 'internal' | 'server' | 'client';

/** An attribute value as OpenTelemetry takes it. */
export type AttributeValue = string | number | boolean;

/** A started span. */
export interface TraceSpan {
  /**
   * The span's W3C traceparent, for what continues its trace elsewhere (a job's row, a webhook's header);
   * undefined when tracing is off.
   */
  readonly traceparent: string | undefined;
  setAttribute(name: string, value: AttributeValue): void;
  /** Marks the span as failed, with the error as an exception event. */
  fail(error: unknown): void;
  end(): void;
}

/**
 * Where a span belongs: its parent (a traceparent from a header or a row, or a span of this process), and
 * links to other spans when it covers several traces at once (a batch of jobs from different requests).
 */
export interface SpanStart {
  parent?: string | TraceSpan | null | undefined;
  links?: ReadonlyArray<string | TraceSpan | null | undefined>;
  kind?: SpanKind;
  attributes?: Record<string, AttributeValue | undefined>;
  /** When the span began, as a `performance.now()` reading; now when absent. */
  startTime?: number;
}

/** Tracing as the service uses it. */
export interface Tracing {
  readonly enabled: boolean;
  startSpan(name: string, start?: SpanStart): TraceSpan;
  /**
   * Runs `work` with `span` as OpenTelemetry's active span, so that spans started inside it through
   * `@opentelemetry/api` (a processor's own) are its children.
   */
  withActiveSpan<T>(span: TraceSpan, work: () => T): T;
  /** Sends what is left and stops; spans started after are dropped. */
  shutdown(): Promise<void>;
}

const noSpan: TraceSpan = {
  traceparent: undefined,
  setAttribute() {},
  fail() {},
  end() {},
};

/** Tracing off: every call does nothing and allocates nothing. */
export const noTracing: Tracing = {
  enabled: false,
  startSpan: () => noSpan,
  withActiveSpan: (_span, work) => work(),
  shutdown: () => Promise.resolve(),
};

/**
 * The parent for spans that cover jobs: one job's trace continues as a child; several jobs from several
 * traces cannot all be the parent, so the span starts a trace of its own and links to each (the
 * OpenTelemetry messaging conventions' answer for a batch).
 */
export function batchPlacement(
  traces: ReadonlyArray<string | TraceSpan | null | undefined>,
): Pick<SpanStart, 'parent' | 'links'> {
  return traces.length === 1 ? { parent: traces[0] } : { links: traces };
}

/** Runs `work` in a span: failed when `work` throws, ended either way. */
export async function inSpan<T>(
  tracing: Tracing,
  name: string,
  start: SpanStart,
  work: (span: TraceSpan) => Promise<T>,
): Promise<T> {
  if (!tracing.enabled) return work(noSpan);
  const span = tracing.startSpan(name, start);
  try {
    return await work(span);
  } catch (error) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
}
