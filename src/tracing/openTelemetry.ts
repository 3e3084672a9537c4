// The OpenTelemetry SDK behind the Tracing interface. Loaded by tracingSetup.ts only when tracing is on:
// nothing imports this file statically, so a process without OTEL_* settings never loads the SDK.
import {
  context,
  diag,
  DiagLogLevel,
  propagation,
  ROOT_CONTEXT,
  SpanKind as OtelSpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { TracingConfig } from '../config/tracingConfig.js';
import { formatTraceparent, parseTraceparent } from '../domain/traceparent.js';
import type { SpanKind, SpanStart, TraceSpan, Tracing } from './tracing.js';

/** Told about the SDK's own problems (an unreachable collector, a full queue). */
export type TracingProblemLog = (message: string) => void;

const kinds: Record<SpanKind, OtelSpanKind> = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
};

/** A span of the SDK as the service sees it. */
class SdkSpan implements TraceSpan {
  constructor(readonly span: Span) {}

  get traceparent(): string {
    const { traceId, spanId, traceFlags } = this.span.spanContext();
    return formatTraceparent({ traceId, spanId, flags: traceFlags });
  }

  setAttribute(name: string, value: string | number | boolean): void {
    this.span.setAttribute(name, value);
  }

  fail(error: unknown): void {
    const exception = error instanceof Error ? error : new Error(String(error));
    this.span.recordException(exception);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
  }

  end(): void {
    this.span.end();
  }
}

/** The context a parent (a traceparent text or one of our spans) stands for. */
function contextOf(parent: string | TraceSpan | null | undefined): Context | undefined {
  if (parent instanceof SdkSpan) return trace.setSpan(ROOT_CONTEXT, parent.span);
  if (typeof parent !== 'string') return undefined;
  const parsed = parseTraceparent(parent);
  if (!parsed) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.flags,
    isRemote: true,
  });
}

function samplerOf(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** The exporter the configuration names; the OTLP exporters read their endpoint and headers from OTEL_*. */
async function exporterOf(config: TracingConfig): Promise<SpanExporter> {
  if (config.exporter === 'console') return new ConsoleSpanExporter();
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter();
}

/**
 * Starts the SDK: a tracer provider with the configured sampler, a batch processor and exporter, the
 * resource from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (`serviceName` when the first is unset),
 * and the AsyncLocalStorage context manager, registered globally so that code using `@opentelemetry/api`
 * (a processor) joins the service's spans.
 */
export async function startOpenTelemetry(
  config: TracingConfig,
  serviceName: string,
  onProblem: TracingProblemLog,
): Promise<Tracing> {
  diag.setLogger(
    { error: onProblem, warn: onProblem, info: () => {}, debug: () => {}, verbose: () => {} },
    DiagLogLevel.WARN,
  );
  const resource = resourceFromAttributes({ 'service.name': serviceName }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new TracerProvider({
    resource,
    sampler: samplerOf(config),
    spanProcessors: [new BatchSpanProcessor({ exporter: await exporterOf(config), ...config.batch })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer('ingest-service');
  return {
    enabled: true,
    startSpan(name: string, start: SpanStart = {}): TraceSpan {
      const links: Link[] = [];
      for (const linked of start.links ?? []) {
        const linkedContext = contextOf(linked);
        const spanContext = linkedContext && trace.getSpanContext(linkedContext);
        if (spanContext) links.push({ context: spanContext });
      }
      const attributes = Object.fromEntries(
        Object.entries(start.attributes ?? {}).filter(([, value]) => value !== undefined),
      ) as Record<string, string | number | boolean>;
      const span = tracer.startSpan(
        name,
        {
          kind: kinds[start.kind ?? 'internal'],
          attributes,
          links,
          ...(start.startTime === undefined ? {} : { startTime: performance.timeOrigin + start.startTime }),
          // Without a parent, a root: never whatever span happens to be active in the caller's context.
          root: contextOf(start.parent) === undefined,
        },
        contextOf(start.parent) ?? ROOT_CONTEXT,
      );
      return new SdkSpan(span);
    },
    withActiveSpan<T>(span: TraceSpan, work: () => T): T {
      if (!(span instanceof SdkSpan)) return work();
      return context.with(trace.setSpan(context.active(), span.span), work);
    },
    async shutdown() {
      // The last spans go out if the collector answers; if it does not, they are lost, and the process
      // still stops as it should.
      await provider
        .shutdown()
        .catch((error: unknown) => onProblem(`could not send the last spans: ${String(error)}`));
    },
  };
}
