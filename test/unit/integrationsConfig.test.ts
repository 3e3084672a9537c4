import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/configError.js';
import { formatTraceparent, parseTraceparent } from '../../src/domain/traceparent.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
};

describe('webhook settings', () => {
  it('default to safe values and refuse bad ones, naming the variable', () => {
    expect(loadConfig({}).webhooks).toEqual({
      allowPrivateUrls: false,
      concurrency: 16,
      endpointConcurrency: 4,
      timeoutSeconds: 10,
      maxAttempts: 13,
      retryBaseSeconds: 30,
      pollIntervalMs: 1000,
    });
    expect(
      loadConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_CONCURRENCY: '0' }).webhooks,
    ).toMatchObject({
      allowPrivateUrls: true,
      concurrency: 0,
    });
    const problems = problemsOf({ WEBHOOK_ALLOW_PRIVATE_URLS: 'sure', WEBHOOK_TIMEOUT_SECONDS: '0' });
    expect(
      problems.some((line) => /WEBHOOK_ALLOW_PRIVATE_URLS="sure": expected true or false/.test(line)),
    ).toBe(true);
    expect(problems.some((line) => /WEBHOOK_TIMEOUT_SECONDS="0"/.test(line))).toBe(true);
  });
});

describe('tracing settings (OTEL_*)', () => {
  it('are off without an endpoint or exporter, and on with one', () => {
    expect(loadConfig({}).tracing.enabled).toBe(false);
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x' }).tracing.enabled).toBe(false);
    const on = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing;
    expect(on).toMatchObject({
      enabled: true,
      exporter: 'otlp',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
    });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing).toMatchObject({
      enabled: true,
      exporter: 'console',
    });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces', OTEL_SDK_DISABLED: 'true' })
        .tracing.enabled,
    ).toBe(false);
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing
        .enabled,
    ).toBe(false);
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).tracing,
    ).toMatchObject({ protocol: 'http/json', sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it('stop the process on what the service cannot do, naming the variable', () => {
    const problems = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20',
    });
    for (const pattern of [
      /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected an http/,
      /OTEL_EXPORTER_OTLP_PROTOCOL="grpc": expected http\/protobuf or http\/json/,
      /OTEL_TRACES_SAMPLER_ARG="2": expected a ratio from 0 to 1/,
      /OTEL_BSP_MAX_EXPORT_BATCH_SIZE=20 is more than OTEL_BSP_MAX_QUEUE_SIZE=10/,
    ])
      expect(
        problems.some((line) => pattern.test(line)),
        String(pattern),
      ).toBe(true);
  });
});

describe('traceparent', () => {
  it('reads version 00 and later versions, and ignores what the W3C recommendation says to ignore', () => {
    const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(header)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      flags: 1,
    });
    expect(formatTraceparent(parseTraceparent(header)!)).toBe(header);
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra')).toMatchObject({
      flags: 0,
    });
    for (const bad of [
      undefined,
      '',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      'garbage',
    ])
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
  });
});
