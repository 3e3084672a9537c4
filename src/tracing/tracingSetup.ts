import type { TracingConfig } from '../config/tracingConfig.js';
import { noTracing, type Tracing } from './tracing.js';

/**
 * The process's tracing, from the OTEL_* settings: noTracing when they leave it off, without loading any
 * of the OpenTelemetry SDK (the module that imports it is loaded here, on demand). `serviceName` is what
 * the spans' service.name is when OTEL_SERVICE_NAME is unset (ingest-api, ingest-worker, ingest).
 * `onProblem` hears the SDK's own warnings, such as a collector that cannot be reached.
 */
export async function startTracing(
  config: TracingConfig,
  serviceName: string,
  onProblem: (message: string) => void,
): Promise<Tracing> {
  if (!config.enabled) return noTracing;
  const { startOpenTelemetry } = await import('./openTelemetry.js');
  return startOpenTelemetry(config, serviceName, onProblem);
}
