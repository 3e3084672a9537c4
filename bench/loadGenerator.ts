// Drives the API with autocannon in a separate process (its CLI, JSON output), so the load generator
// never shares an event loop with the orchestrator or the service.
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  /** Accepted (2xx) requests per second. */
  acceptedPerSec: number;
  accepted: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  seconds: number;
}

interface AutocannonJson {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p99: number };
}

const cli = new URL('../node_modules/autocannon/autocannon.js', import.meta.url).pathname;

/** Runs autocannon's API with a body read as bytes, printing its result as the CLI's -j does. */
const bytesRunner = `
const autocannon = require(process.argv[1]);
const { file, ...options } = JSON.parse(process.argv[2]);
autocannon({ ...options, body: require('node:fs').readFileSync(file) }, (error, result) => {
  if (error) { console.error(error); process.exit(1); }
  process.stdout.write(JSON.stringify(result));
});
`;

export function postLoad(options: {
  url: string;
  /** The request body; bytes are sent as they are (a gzip body with its Content-Encoding header). */
  body: string | Buffer;
  connections: number;
  seconds: number;
  /** Requests per second over all connections; unlimited when absent. */
  rate?: number;
  /** More request headers (an Authorization header, for AUTH_MODE=keys). */
  headers?: Record<string, string>;
  /** GET instead of POST: `body` is then not sent. */
  method?: 'GET' | 'POST';
}): Promise<LoadResult> {
  const file = join(mkdtempSync(join(tmpdir(), 'ingest-bench-')), 'body.json');
  writeFileSync(file, options.body);
  const method = options.method ?? 'POST';
  const args = [
    cli,
    '-j',
    '-c',
    String(options.connections),
    '-d',
    String(options.seconds),
    '-m',
    method,
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
    ...(method === 'POST' ? ['-H', 'content-type=application/json', '-i', file] : []),
    ...(options.rate ? ['-R', String(options.rate)] : []),
    options.url,
  ];
  // The CLI reads its body file as UTF-8 text: bytes (a gzip body) go through autocannon's own API,
  // in a process of its own all the same.
  const child = Buffer.isBuffer(options.body)
    ? spawn(
        process.execPath,
        [
          '-e',
          bytesRunner,
          cli,
          JSON.stringify({
            url: options.url,
            connections: options.connections,
            duration: options.seconds,
            method,
            headers: { 'content-type': 'application/json', ...options.headers },
            file,
            ...(options.rate ? { overallRate: options.rate } : {}),
          }),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err}`));
      const json = JSON.parse(out) as AutocannonJson;
      resolve({
        acceptedPerSec: json['2xx'] / json.duration,
        accepted: json['2xx'],
        non2xx: json.non2xx,
        errors: json.errors + json.timeouts,
        p50Ms: json.latency.p50,
        p99Ms: json.latency.p99,
        seconds: json.duration,
      });
    }),
  );
}
