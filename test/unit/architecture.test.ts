import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder } from '../support/files.js';

// The layout is the architecture: entry → api | worker → processing → data, domain, config. These tests read the
// import statements of src/ and hold the code to it.

const files = filesUnder('src', '.ts');
const imports = new Map<string, string[]>(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)].map((match) =>
      normalize(join(dirname(file), match[1]!.replace(/\.js$/, '.ts'))),
    );
    return [file, targets];
  }),
);

const layerOf = (file: string) => relative('src', file).split('/')[0]!;

const allowed: Record<string, string[]> = {
  entry: [
    'entry',
    'api',
    'admin',
    'ui',
    'worker',
    'maintenance',
    'webhooks',
    'processing',
    'auth',
    'metrics',
    'tracing',
    'data',
    'domain',
    'config',
    'log',
    'embedded',
  ],
  // The dashboard serves pages that call the admin API; both answer errors with the API's problem documents.
  ui: ['ui', 'admin', 'api', 'config', 'log'],
  // Webhook endpoints are made through the admin API, with the URL rules and secrets of webhooks/.
  admin: ['admin', 'api', 'webhooks', 'auth', 'data', 'domain', 'config', 'log'],
  api: ['api', 'auth', 'metrics', 'tracing', 'data', 'domain', 'config', 'log'],
  // Who is calling: key text, digests, the cached look-up. No HTTP framework below this line (checked
  // below); it reads keys through data/ and is used by api/ and admin/ (and the keys CLI in entry/).
  auth: ['auth', 'data', 'domain', 'config'],
  // The worker runs a processor it is handed (entry/ chooses it) and knows its interface and errors.
  worker: ['worker', 'processing', 'metrics', 'tracing', 'data', 'domain', 'config', 'log'],
  // Completion webhooks: the outbox's delivery, signing, the address checks. Run by worker processes (entry/
  // starts it beside the worker, which only wakes it), like maintenance/; the admin API makes endpoints.
  webhooks: ['webhooks', 'metrics', 'tracing', 'data', 'domain', 'config', 'log'],
  // Partitions and retention: run by worker processes (entry/ starts it) and by `npm run maintenance`.
  maintenance: ['maintenance', 'metrics', 'data', 'domain', 'config', 'log'],
  // Processing written by a team: it reads events and may use the domain's rules and the data layer.
  processing: ['processing', 'data', 'domain'],
  // Types only from data/ (the counts it reports); the queries themselves are wired in by entry/.
  metrics: ['metrics', 'data'],
  // OpenTelemetry's one set-up: api/, worker/ and webhooks/ start spans through its interface. Loads the
  // SDK only when OTEL_* settings turn it on.
  tracing: ['tracing', 'domain', 'config'],
  embedded: ['embedded', 'config'],
  data: ['data', 'domain', 'config'],
  log: ['log', 'config'],
  domain: ['domain'],
  config: ['config'],
};

describe('architecture', () => {
  it('knows every directory of src/', () => {
    expect([...imports.values()].flat().length).toBeGreaterThan(30);
    expect(Object.keys(allowed)).toEqual(expect.arrayContaining([...new Set(files.map(layerOf))]));
  });

  it('imports only flow inward', () => {
    const violations = [...imports].flatMap(([file, targets]) =>
      targets
        .filter((target) => !allowed[layerOf(file)]!.includes(layerOf(target)))
        .map((target) => `${file} → ${target}`),
    );
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of imports.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps I/O out of the domain', () => {
    const domainIo = files
      .filter((file) => layerOf(file) === 'domain')
      .filter((file) =>
        /from '(node:(fs|net|http|child_process)|pg|fastify|pino)'/.test(readFileSync(file, 'utf8')),
      );
    expect(domainIo).toEqual([]);
  });

  it('keeps HTTP framework types out of auth/', () => {
    const framework = files
      .filter((file) => layerOf(file) === 'auth')
      .filter((file) => /from '(fastify|@fastify\/[^']*)'/.test(readFileSync(file, 'utf8')));
    expect(framework).toEqual([]);
  });

  it('keeps files small', () => {
    const large = files.filter((file) => readFileSync(file, 'utf8').split('\n').length > 400);
    expect(large).toEqual([]);
  });
});
