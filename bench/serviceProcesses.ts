// The real API and worker processes, started from the compiled build, with their peak RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../src/embedded/freePort.js';
import { buildDir } from './buildService.js';
import { imageRuntime } from './imageRuntime.js';

export interface ServiceProcess {
  pid: number;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const root = new URL('..', import.meta.url).pathname;

/**
 * The log lines that say a process is ready, which the bench waits for. The API's line starts "API
 * listening on http://…" and goes on with the dashboard and docs links. A test starts the real processes
 * and checks that their output matches these (test/integration/smokeScript.test.ts): a reworded line
 * would otherwise leave the bench waiting forever.
 */
export const apiReadyLine = /"msg":"API listening /;
export const workerReadyLine = /"worker started"/;

/** VmHWM of a live process, in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function startNode(
  entry: 'api.js' | 'worker.js',
  env: Record<string, string>,
  readyLine: RegExp,
  dist = buildDir,
): Promise<ServiceProcess> {
  // As the image runs it: its ENV (allocator settings, NODE_OPTIONS) and the node flags of its CMD.
  // BENCH_NODE_ARGS adds flags after the image's, to try one before it goes into the Dockerfiles.
  const image = imageRuntime(entry === 'api.js' ? 'api' : 'worker');
  const extraArgs = (env.BENCH_NODE_ARGS ?? process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [...image.nodeArgs, ...extraArgs, `${dist}/entry/${entry}`],
    {
      // The caller's environment passes through over the image's, so WORKER_BATCH_SIZE=… npm run bench
      // compares settings. LOG_LEVEL is pinned: readiness is read from the info lines, and a deployed
      // service logs at info.
      env: { ...image.env, ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  let ready = false;
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      // Logs are read and dropped, as a log shipper would: the process pays for writing them.
      if (ready) return;
      tail = (tail + chunk.toString()).slice(-20_000);
      if (readyLine.test(tail)) {
        ready = true;
        resolve({
          pid: child.pid!,
          peakRssMb: () => peakRssMb(child.pid!),
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`${entry} exited with ${code} before it was ready:\n${tail}`));
    });
  });
}

export async function startApi(databaseUrl: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const api = await startNode(
    'api.js',
    { DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), ...env },
    apiReadyLine,
    // Another build of the API (e.g. a copy of the build of main), to compare two versions run by run.
    process.env.BENCH_API_DIST || undefined,
  );
  return { ...api, url: `http://127.0.0.1:${port}` };
}

/** A worker process from the build, or from `dist`, a variant of it (buildVariant). */
export function startWorker(
  databaseUrl: string,
  env: Record<string, string> = {},
  dist?: string,
): Promise<ServiceProcess> {
  return startNode(
    'worker.js',
    // A free metrics port each: several worker processes run side by side on this host.
    { DATABASE_URL: databaseUrl, RUN_MIGRATIONS_ON_STARTUP: 'false', METRICS_PORT: '0', ...env },
    workerReadyLine,
    dist,
  );
}

/** Runs a bench script (TypeScript, through tsx) in its own process and returns the JSON it prints last. */
export function runScript<T>(script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}bench/${script}`, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}:\n${out}`));
      const last = out.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(last) as T);
    }),
  );
}
