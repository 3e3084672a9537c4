import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Gauge, type Registry } from 'prom-client';

/** Which build a process runs: the labels of `ingest_build_info`. */
export interface BuildInfo {
  /** `version` of package.json. */
  version: string;
  /** GIT_COMMIT, else the HEAD of the checkout the process runs from, else `unknown`. */
  commit: string;
  /** The Node.js version, e.g. `v24.22.3`. */
  node: string;
}

// package.json sits two levels above this file both in src/metrics/ and in dist/metrics/ (the images
// copy it beside dist/).
const packageRoot = new URL('../../', import.meta.url);
let checkoutHead: string | undefined;
let checkoutHeadRead = false;

/** The checkout's commit, read once per process; undefined outside a Git checkout or without git. */
function readCheckoutHead(): string | undefined {
  if (!checkoutHeadRead) {
    checkoutHeadRead = true;
    try {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], {
        cwd: fileURLToPath(packageRoot),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      }).trim();
      checkoutHead = /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
    } catch {
      checkoutHead = undefined;
    }
  }
  return checkoutHead;
}

/** The build this process runs; `commit` is GIT_COMMIT when the configuration has one. */
export function currentBuild(commit: string | undefined): BuildInfo {
  let version = 'unknown';
  try {
    version =
      (JSON.parse(readFileSync(new URL('package.json', packageRoot), 'utf8')) as { version?: string })
        .version ?? 'unknown';
  } catch {
    // A bundled or relocated build without its package.json still reports the rest.
  }
  return { version, commit: commit ?? readCheckoutHead() ?? 'unknown', node: process.version };
}

/** `ingest_build_info`: always 1, its labels say which build runs, as Prometheus exporters do. */
export function createBuildInfoMetric(registry: Registry, build: BuildInfo): void {
  new Gauge({
    name: 'ingest_build_info',
    help: 'Always 1; the labels name the build: version (package.json), commit (GIT_COMMIT, or the Git checkout it runs from; unknown otherwise) and node (the Node.js version).',
    labelNames: ['version', 'commit', 'node'],
    registers: [registry],
  })
    .labels(build.version, build.commit, build.node)
    .set(1);
}
