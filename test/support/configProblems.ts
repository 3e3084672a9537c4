import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/configError.js';

/** The problems loadConfig reports for `env`, in order; none when it loads. */
export function configProblemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
