/** Environment variables as the process received them. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed values from the environment and collects every problem instead of stopping at the first,
 * so one start-up attempt reports all mistakes at once. A set but invalid value is always a problem:
 * nothing silently falls back to its default.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The raw value, or undefined when unset or empty. */
  string(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  /** A whole number within [min, max]. */
  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^[+]?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(raw);
  }

  /** A decimal number within (0, max]. */
  positiveNumber(name: string, fallback: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^[+]?(\d+\.?\d*|\.\d+)$/.test(raw) || !(value > 0) || value > max) {
      this.problems.push(
        `${name}=${JSON.stringify(raw)}: expected a number greater than 0 and at most ${max}`,
      );
      return fallback;
    }
    return value;
  }

  /** true/false, also accepting 1/0, yes/no and on/off in any case. */
  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const lower = raw.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    this.problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return fallback;
  }

  /** One of `choices`, in any case. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const found = choices.find((choice) => choice === raw.toLowerCase());
    if (found !== undefined) return found;
    this.problems.push(`${name}=${JSON.stringify(raw)}: expected ${choices.join(' or ')}`);
    return fallback;
  }
}
