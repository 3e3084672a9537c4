import { describe, expect, it } from 'vitest';
import { localProbeHost } from '../../src/config/listenAddress.js';
import { nodeVersionWarning } from '../../src/entry/nodeVersion.js';

describe('Node.js version warning', () => {
  it('warns in one line below 22, naming the running version', () => {
    const warning = nodeVersionWarning('20.20.2');
    expect(warning).toMatch(/^Node\.js 20\.20\.2 is older than 22/);
    expect(warning).not.toContain('\n');
  });

  it('is silent on the supported lines', () => {
    expect(nodeVersionWarning('22.0.0')).toBeUndefined();
    expect(nodeVersionWarning('24.22.3')).toBeUndefined();
    expect(nodeVersionWarning('26.1.0')).toBeUndefined();
  });
});

describe('the health check probe address', () => {
  it('reaches a wildcard listener on loopback and any other host on itself', () => {
    expect(localProbeHost('0.0.0.0')).toBe('127.0.0.1');
    expect(localProbeHost('::')).toBe('::1');
    expect(localProbeHost('10.1.2.3')).toBe('10.1.2.3');
    expect(localProbeHost('localhost')).toBe('localhost');
  });
});
