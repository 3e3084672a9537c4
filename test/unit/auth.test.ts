import { describe, expect, it } from 'vitest';
import { generateKeyText, keyDigest, kindOfKeyText, maxKeyTextLength } from '../../src/auth/apiKeyText.js';
import { readCredential } from '../../src/auth/credentials.js';
import { lifetimeSeconds } from '../../src/auth/keyLifetime.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('API key text', () => {
  it('is the kind prefix and 192 random bits, stored as its SHA-256 digest', () => {
    const key = generateKeyText('write');
    expect(key.text).toMatch(/^ik_write_[A-Za-z0-9_-]{32}$/);
    expect(key.text).not.toBe(generateKeyText('write').text);
    expect(key.digest).toEqual(keyDigest(key.text));
    expect(key.digest).toHaveLength(32);
    expect(key.hint).toBe(key.text.slice(0, 'ik_write_'.length + 4));
    expect(kindOfKeyText(key.text)).toBe('write');
    expect(kindOfKeyText(generateKeyText('admin').text)).toBe('admin');
    expect(generateKeyText('admin').text.length).toBe(maxKeyTextLength);
  });

  it('refuses text that has not the form of a key', () => {
    for (const text of [
      '',
      'ik_write_',
      'ik_root_' + 'a'.repeat(32),
      'ik_read_' + 'a'.repeat(31),
      'x'.repeat(5000),
    ]) {
      expect(kindOfKeyText(text)).toBeUndefined();
    }
  });
});

describe('readCredential', () => {
  it('reads Bearer, and Basic with the key as user name and an empty password where allowed', () => {
    expect(readCredential([], true)).toEqual({ outcome: 'missing' });
    expect(readCredential(['Bearer abc'], false)).toEqual({ outcome: 'key', text: 'abc' });
    expect(readCredential(['bearer  abc '], false)).toEqual({ outcome: 'key', text: 'abc' });
    expect(readCredential([basic('abc:')], true)).toEqual({ outcome: 'key', text: 'abc' });
  });

  it('refuses repeated, oversized and malformed headers, Basic with a password, and Basic on reads', () => {
    for (const [values, allowBasic] of [
      [['Bearer a', 'Bearer a'], true],
      [[`Bearer ${'a'.repeat(2000)}`], true],
      [['Bearer'], true],
      [['Bearer a b'], true],
      [['Token a'], true],
      [[''], true],
      [[basic('abc:secret')], true],
      [[basic('abc')], true],
      [['Basic !!'], true],
      [[basic('abc:')], false],
    ] as const) {
      expect(readCredential(values, allowBasic).outcome).toBe('malformed');
    }
  });
});

describe('lifetimeSeconds', () => {
  it('reads a number and a unit, up to ten years', () => {
    expect(lifetimeSeconds('90s')).toBe(90);
    expect(lifetimeSeconds('15m')).toBe(900);
    expect(lifetimeSeconds('12h')).toBe(43_200);
    expect(lifetimeSeconds('30d')).toBe(2_592_000);
    for (const text of ['', '30', 'd', '0d', '-1d', '1w', '3651d', '1.5d', '30 days']) {
      expect(lifetimeSeconds(text)).toBeUndefined();
    }
  });
});
