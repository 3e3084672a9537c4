// Compiles the service into a directory of the bench's own, so the numbers are for the compiled build
// (not tsx) and a concurrent `npm run build` or test run cannot swap dist/ under a running benchmark.
// It sits under node_modules/ so the build's imports resolve against the project's packages.
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
export const buildDir = `${root}node_modules/.cache/ingest-bench/dist`;

export function buildService(): void {
  execFileSync(
    process.execPath,
    [
      `${root}node_modules/typescript/bin/tsc`,
      '-p',
      `${root}tsconfig.build.json`,
      '--outDir',
      buildDir,
      // Incremental: a second run compiles only what changed.
      '--incremental',
      '--tsBuildInfoFile',
      `${buildDir}.tsbuildinfo`,
    ],
    { stdio: 'inherit' },
  );
  cpSync(`${root}src`, buildDir, { recursive: true, filter: (path) => !/\.ts$/.test(path) });
}
