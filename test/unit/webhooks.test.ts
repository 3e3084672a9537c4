import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  deliveryDecision,
  deliveryIdOf,
  retryAfterSeconds,
  retryDelaySeconds,
  webhookIdOf,
} from '../../src/domain/webhookRetry.js';
import { blockedAddressReason } from '../../src/webhooks/addressPolicy.js';
import { endpointUrlProblem } from '../../src/webhooks/endpointUrl.js';
import { signWebhook } from '../../src/webhooks/signature.js';
import { generateWebhookSecret } from '../../src/webhooks/webhookSecret.js';

describe('signing', () => {
  it('signs as the Standard Webhooks reference library verifies, with every secret given', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"type":"ingestion.succeeded","data":{"jobId":"x","note":"ünïcödé"}}';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signWebhook('msg_0123', timestamp, body, [current, previous]);
    expect(headers['webhook-id']).toBe('msg_0123');
    expect(headers['webhook-timestamp']).toBe(String(timestamp));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=* v1,[A-Za-z0-9+/]+=*$/);
    for (const secret of [current, previous])
      expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, { ...headers })).toThrow();
    // The library signs the same way.
    expect(headers['webhook-signature'].split(' ')[0]).toBe(
      new Webhook(current).sign('msg_0123', new Date(timestamp * 1000), body),
    );
  });

  it('names messages msg_ and 32 hex digits, and reads the name back', () => {
    const id = '0193c1d2-e3f4-7a5b-8c7d-8e9f0a1b2c3d';
    expect(webhookIdOf(id)).toBe('msg_0193c1d2e3f47a5b8c7d8e9f0a1b2c3d');
    expect(deliveryIdOf(webhookIdOf(id))).toBe(id);
    expect(deliveryIdOf('msg_xyz')).toBeUndefined();
  });
});

describe('retry schedule', () => {
  it('doubles from the base up to 8 hours, with ±20 % jitter, and spans about a day with the defaults', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 10, 11, 12, 40].map((n) => retryDelaySeconds(n, 30, middle))).toEqual([
      30, 60, 120, 15_360, 28_800, 28_800, 28_800,
    ]);
    expect(retryDelaySeconds(1, 30, () => 0)).toBe(24);
    expect(retryDelaySeconds(1, 30, () => 0.999999)).toBeCloseTo(36, 3);
    // 13 attempts: the last one 24.5 hours after the first.
    const waits = Array.from({ length: 12 }, (_, i) => retryDelaySeconds(i + 1, 30, middle));
    expect(waits.reduce((a, b) => a + b, 0) / 3600).toBeCloseTo(24.53, 1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Wed, 01 May 2024 12:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('999999999', now)).toBe(8 * 3600);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(undefined, now)).toBeUndefined();
  });

  it('delivers on 2xx, disables on 410, retries the rest no sooner than Retry-After, then gives up', () => {
    const settings = { maxAttempts: 3, retryBaseSeconds: 10 };
    const middle = () => 0.5;
    expect(deliveryDecision({ statusCode: 204 }, 1, settings)).toEqual({ kind: 'delivered' });
    expect(deliveryDecision({ statusCode: 410 }, 1, settings)).toEqual({ kind: 'gone' });
    expect(deliveryDecision({ statusCode: 301 }, 1, settings, middle)).toEqual({
      kind: 'retry',
      retryInSeconds: 10,
    });
    expect(deliveryDecision({}, 2, settings, middle)).toEqual({ kind: 'retry', retryInSeconds: 20 });
    expect(deliveryDecision({ statusCode: 429, retryAfterSeconds: 300 }, 1, settings, middle)).toEqual({
      kind: 'retry',
      retryInSeconds: 300,
    });
    expect(deliveryDecision({ statusCode: 503, retryAfterSeconds: 1 }, 1, settings, middle)).toEqual({
      kind: 'retry',
      retryInSeconds: 10,
    });
    expect(deliveryDecision({ statusCode: 500 }, 3, settings)).toEqual({ kind: 'failed' });
  });
});

describe('where webhooks may go', () => {
  it('refuses loopback, private, link-local, metadata and reserved addresses, in every spelling', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.100.100.200',
      '192.0.0.192',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fd00:ec2::254',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a00:1',
      '2002:7f00:1::1',
    ])
      expect(blockedAddressReason(address), address).toBeDefined();
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '2606:2800:220:1:248:1893:25c8:1946',
      '64:ff9b::808:808',
    ])
      expect(blockedAddressReason(address), address).toBeUndefined();
    expect(blockedAddressReason('::ffff:127.0.0.1')).toMatch(/loopback/);
    expect(blockedAddressReason('64:ff9b::a00:1')).toMatch(/carries 10\.0\.0\.1 is private/);
  });

  it('accepts https:// URLs of public hosts, and http:// or private ones only when allowed', () => {
    expect(endpointUrlProblem('https://hooks.example.com/ingest?token=x', false)).toBeUndefined();
    expect(endpointUrlProblem('http://hooks.example.com/', false)).toMatch(/https/);
    expect(endpointUrlProblem('http://127.0.0.1:9000/', true)).toBeUndefined();
    expect(endpointUrlProblem('https://0x7f.1/', false)).toMatch(/loopback/);
    expect(endpointUrlProblem('https://[fd00:ec2::254]/', false)).toMatch(/unique local/);
    expect(endpointUrlProblem('https://example.com/#top', false)).toMatch(/fragment/);
    expect(endpointUrlProblem('ftp://example.com/', true)).toMatch(/http/);
    expect(endpointUrlProblem(`https://example.com/${'a'.repeat(2048)}`, false)).toMatch(/2048/);
  });
});
