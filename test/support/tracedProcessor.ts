// A processor for the tracing tests (PROCESSOR_MODULE=test/support/tracedProcessor.ts): it starts a span
// of its own with @opentelemetry/api, as a team's processor would, and returns the traceparent it was
// handed, so a test can see both reach the job's trace.
import { trace } from '@opentelemetry/api';
import type { JobProcessor } from '../../src/processing/processor.js';

export const processor: JobProcessor = {
  name: 'traced-test-processor',
  async process({ events, traceparent }) {
    return trace.getTracer('traced-test-processor').startActiveSpan('count events', async (span) => {
      let count = 0;
      for await (const event of events) if (event) count += 1;
      span.setAttribute('events.count', count);
      span.end();
      return { count, traceparent: traceparent ?? null };
    });
  },
};
