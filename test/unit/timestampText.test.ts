import { describe, expect, it } from 'vitest';
import { canonicalInstantText, instantOfPostgresText } from '../../src/domain/timestamp.js';

describe('timestamps PostgreSQL writes in JSON', () => {
  it.each([
    ['2024-05-01T12:00:02.46564+00:00', '2024-05-01T12:00:02.465640Z'],
    ['2024-05-01T12:00:02+00:00', '2024-05-01T12:00:02.000Z'],
    ['2024-05-01T17:30:02.5+05:30', '2024-05-01T12:00:02.500Z'],
    ['2024-05-01T07:00:02.123-05', '2024-05-01T12:00:02.123Z'],
    ['1883-11-18T12:00:00+00:53:28', '1883-11-18T11:06:32.000Z'],
    ['2024-05-01T12:00:02.000001Z', '2024-05-01T12:00:02.000001Z'],
    ['0050-03-01T00:00:00+00:00', '0050-03-01T00:00:00.000Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(canonicalInstantText(text)).toBe(expected);
  });

  it('reads years before 1 (written with BC) as the instant they name', () => {
    // 1 BC is year 0: one day before 0001-01-01 is 0000-12-31, written at +15:59 to stay in 0001.
    expect(instantOfPostgresText('0001-12-31T12:00:00+00:00 BC')).toBe(
      (BigInt(Date.UTC(2000, 0, 1)) - 730_120n * 86_400_000n + 12n * 3_600_000n) * 1000n,
    );
    expect(canonicalInstantText('0001-12-31T12:00:00+00:00 BC')).toBe('0001-01-01T03:59:00.000+15:59');
  });

  it('leaves any other text as it is', () => {
    for (const text of ['yesterday', '', '2024-05-01 12:00:00+00', '2024-05-01T12:00:00.1234567Z'])
      expect(canonicalInstantText(text)).toBe(text);
  });
});
