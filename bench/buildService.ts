// Compiles the service into a directory of the bench's own, so the numbers are for the compiled build
// (not tsx) and a concurrent `npm run build` or test run cannot swap dist/ under a running benchmark.
// It sits under node_modules/ so the build's imports resolve against the project's packages.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

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

/**
 * A copy of the build with one statement swapped for a baseline of the bench's own (a file under
 * bench/baselines/), so a workload can run the real worker with, say, the claim before fair queueing.
 * Returns the copy's directory, for startWorker.
 */
export function buildVariant(name: string, statement: string, baselineFile: string): string {
  const dir = `${buildDir}-${name}`;
  rmSync(dir, { recursive: true, force: true });
  cpSync(buildDir, dir, { recursive: true });
  cpSync(`${root}bench/baselines/${baselineFile}`, `${dir}/data/queries/${statement}.sql`);
  return dir;
}
