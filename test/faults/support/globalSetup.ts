// Once per `npm run test:faults`: the same database set-up as `npm test`, plus a fresh figures file that
// the teardown turns into a summary table (printed, and kept in .data/faults/last-run.md).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import databaseSetup from '../../support/globalSetup.js';
import { figuresFile, type ScenarioFigures } from './figures.js';
import { compiledDir } from './services.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rmSync(figuresFile, { force: true });
  mkdirSync('.data/faults', { recursive: true });
  // Compiled once: a worker started through tsx spends ~1.5 s of CPU compiling before it does anything,
  // which with a kill every second would leave most workers starting rather than working.
  rmSync(compiledDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'test/faults/support/tsconfig.build.json'],
    { stdio: 'inherit' },
  );
  cpSync('src', `${compiledDir}/src`, { recursive: true, filter: (path) => !/\.ts$/.test(path) });
  const started = Date.now();
  const teardownDatabase = await databaseSetup(project);
  return async () => {
    await teardownDatabase();
    let lines: ScenarioFigures[] = [];
    try {
      lines = readFileSync(figuresFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ScenarioFigures);
    } catch {
      // No scenario recorded figures (all filtered out or failed early).
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    const table = [
      `Fault suite run of ${new Date().toISOString()} (${seconds} s)`,
      '',
      '| scenario | figures |',
      '| --- | --- |',
      ...lines.map(
        (line) =>
          `| ${line.scenario} | ${Object.entries(line.figures)
            .map(([key, value]) => `${key}: ${String(value)}`)
            .join('; ')} |`,
      ),
    ].join('\n');
    writeFileSync('.data/faults/last-run.md', `${table}\n`);
    console.log(`\n${table}\n`);
  };
}
