const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Seconds in a lifetime written as a number and a unit (`90s`, `15m`, `12h`, `30d`), or undefined when
 * the text is not one. At most ten years: a longer lifetime is a typo or a key that should not expire.
 */
export function lifetimeSeconds(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * unitSeconds[match[2]!]!;
  return seconds > 0 && seconds <= 3650 * 86_400 ? seconds : undefined;
}
