/**
 * A configuration problem found at start. The message names the variable and the accepted form, so the
 * operator can fix the environment without reading the source.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
