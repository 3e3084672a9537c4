import { spawnSync } from 'node:child_process';

/** A command-line tool a test needs that is not an npm package (promtool, prometheus, …). */
export interface ExternalTool {
  /** Its path, when it is installed. */
  path: string | undefined;
  /** Whether the tests that need it are skipped: it is absent and CI is not set. */
  skip: boolean;
  /** Its path; throws with the install command when it is absent (under CI, where nothing is skipped). */
  require(): string;
}

/**
 * Finds `command` on PATH. Absent, the tests that need it skip with a message saying how to install it,
 * unless CI is set: there its absence fails them, so a CI run cannot pass by skipping.
 */
export function externalTool(command: string, install: string): ExternalTool {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : undefined;
  const skip = path === undefined && !process.env.CI;
  if (skip) {
    process.stderr.write(`skipping the tests that need ${command}: it is not installed (${install}).\n`);
  }
  return {
    path,
    skip,
    require() {
      if (path === undefined) throw new Error(`${command} is not installed; CI needs it: ${install}`);
      return path;
    },
  };
}

/** Debian's package carries both Prometheus and promtool. */
export const installPrometheus = 'apt-get install -y --no-install-recommends prometheus';
