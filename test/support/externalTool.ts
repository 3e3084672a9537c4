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
 * Finds `command` on PATH (or the first of `candidates`, for a tool outside PATH such as /usr/sbin's).
 * Absent, the tests that need it skip with a line on standard error that names them, the tool and how to
 * install it, as the browser tests do; unless CI is set: there its absence fails them, so a CI run
 * cannot pass by skipping.
 */
export function externalTool(
  command: string,
  install: string,
  tests: string,
  candidates: readonly string[] = [command],
): ExternalTool {
  let path: string | undefined;
  for (const candidate of candidates) {
    const found = spawnSync('sh', ['-c', 'command -v "$0"', candidate], { encoding: 'utf8' });
    if (found.status === 0) {
      path = found.stdout.trim();
      break;
    }
  }
  const skip = path === undefined && !process.env.CI;
  if (skip) process.stderr.write(`Skipping ${tests}: ${command} is not installed (${install}).\n`);
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

/** Debian's PgBouncer; its binary lands in /usr/sbin, which a user's PATH may lack. */
export const installPgBouncer = 'apt-get install -y --no-install-recommends pgbouncer';
