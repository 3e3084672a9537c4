import { execSync } from 'node:child_process';

/**
 * Debian's Chromium, which the browser tests drive with playwright-core; undefined (and a note on
 * stderr) when it is absent, so they are skipped. With CI set its absence fails instead.
 */
export function chromiumPath(): string | undefined {
  let path: string | undefined;
  try {
    path = execSync('command -v chromium', { encoding: 'utf8', shell: '/bin/sh' }).trim() || undefined;
  } catch {
    path = undefined;
  }
  if (!path && process.env.CI) {
    throw new Error('CI is set but Chromium is missing: apt-get install -y chromium (.ci/run does).');
  }
  if (!path)
    process.stderr.write(
      'Skipping the browser tests: no `chromium` on PATH (apt-get install -y chromium).\n',
    );
  return path;
}
