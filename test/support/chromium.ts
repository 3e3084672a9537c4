import { execSync } from 'node:child_process';

/**
 * Where Debian's Chromium is (`apt-get install -y chromium`), for playwright-core to drive; undefined
 * when it is not installed. No browser is downloaded.
 */
export function chromiumPath(): string | undefined {
  try {
    return execSync('command -v chromium', { encoding: 'utf8', shell: '/bin/sh' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
