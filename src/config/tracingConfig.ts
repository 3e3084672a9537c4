import type { EnvReader } from './envReader.js';

/** The samplers of the OpenTelemetry specification, by their OTEL_TRACES_SAMPLER names. */
export const tracingSamplers = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;

/** Traces with OpenTelemetry (src/tracing/, docs/operations.md), from the standard OTEL_* variables. */
export interface TracingConfig {
  /**
   * On when an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or
   * OTEL_TRACES_EXPORTER is set, and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none. Off, no
   * part of the OpenTelemetry SDK is loaded.
   */
  enabled: boolean;
  /** otlp: to the OTLP endpoint; console: each span on standard output (to try it out). */
  exporter: 'otlp' | 'console';
  /** How spans travel to the OTLP endpoint. */
  protocol: 'http/protobuf' | 'http/json';
  sampler: (typeof tracingSamplers)[number];
  /** The ratio of the traceidratio samplers (OTEL_TRACES_SAMPLER_ARG). */
  samplerRatio: number;
  /** The batch span processor (OTEL_BSP_*). */
  batch: {
    scheduledDelayMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
    exportTimeoutMillis: number;
  };
}

/** Reads the OTEL_* variables the service acts on, collecting problems into `read`. */
export function readTracingConfig(read: EnvReader): TracingConfig {
  const disabled = read.boolean('OTEL_SDK_DISABLED', false);
  const exporterSet = read.string('OTEL_TRACES_EXPORTER') !== undefined;
  const exporter = read.choice('OTEL_TRACES_EXPORTER', ['otlp', 'console', 'none'] as const, 'otlp');
  const endpointSet = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'].some((name) => {
    const value = read.string(name);
    if (value !== undefined && !/^https?:\/\/[^\s/]+/.test(value))
      read.problems.push(`${name}=${JSON.stringify(value)}: expected an http:// or https:// URL`);
    return value !== undefined;
  });
  const protocolName = read.string('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = read.choice(protocolName, ['http/protobuf', 'http/json'] as const, 'http/protobuf');
  const sampler = read.choice('OTEL_TRACES_SAMPLER', tracingSamplers, 'parentbased_always_on');
  const maxQueueSize = read.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000);
  const maxExportBatchSize = read.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000);
  if (maxExportBatchSize > maxQueueSize) {
    read.problems.push(
      `OTEL_BSP_MAX_EXPORT_BATCH_SIZE=${maxExportBatchSize} is more than OTEL_BSP_MAX_QUEUE_SIZE=${maxQueueSize}: ` +
        'a batch is taken from the queue, so set it at most to the queue size.',
    );
  }
  return {
    enabled: !disabled && exporter !== 'none' && (exporterSet || endpointSet),
    exporter: exporter === 'none' ? 'otlp' : exporter,
    protocol,
    sampler,
    samplerRatio: readRatio(read),
    batch: {
      scheduledDelayMillis: read.integer('OTEL_BSP_SCHEDULE_DELAY', 5000, 0, 3_600_000),
      maxQueueSize,
      maxExportBatchSize,
      exportTimeoutMillis: read.integer('OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1, 3_600_000),
    },
  };
}

/** OTEL_TRACES_SAMPLER_ARG: a ratio from 0 to 1; 1 when unset, as the specification says. */
function readRatio(read: EnvReader): number {
  const raw = read.string('OTEL_TRACES_SAMPLER_ARG');
  if (raw === undefined) return 1;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || value > 1) {
    read.problems.push(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(raw)}: expected a ratio from 0 to 1`);
    return 1;
  }
  return value;
}
