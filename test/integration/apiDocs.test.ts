import { readFileSync } from 'node:fs';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder } from '../support/files.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp } from '../support/testApp.js';

// docs/api.md is the API in words; the OpenAPI document is the API the code serves. These tests hold the
// two together, so the page cannot fall behind a new route, status or problem, nor describe one that is
// gone.

const db = useTestDatabase();
let app: FastifyInstance;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking an arbitrary JSON document
let document: any;

const apiPage = readFileSync('docs/api.md', 'utf8');
const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

beforeAll(async () => {
  // Keys mode: the document deployments serve, with the security schemes and every 401 and 403.
  app = await buildTestApp(db, { AUTH_MODE: 'keys' });
  document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => {
  await app.close();
});

interface Operation {
  method: string;
  path: string;
  statuses: string[];
}

const operations = (): Operation[] =>
  Object.entries(document.paths as Record<string, Record<string, { responses: object }>>).flatMap(
    ([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        statuses: Object.keys(operation.responses),
      })),
  );

/**
 * Where the page documents an operation: the section under a heading that names it (up to the next
 * heading), or else the table row that starts with it.
 */
function sectionOf(name: string): string | undefined {
  const lines = apiPage.split('\n');
  const heading = lines.findIndex((line) => /^#{2,4} /.test(line) && line.includes(`\`${name}\``));
  if (heading >= 0) {
    const next = lines.findIndex((line, index) => index > heading && /^#{1,4} /.test(line));
    return lines.slice(heading, next < 0 ? undefined : next).join('\n');
  }
  return lines.find((line) => line.startsWith(`| \`${name}\``));
}

describe('docs/api.md', () => {
  it('documents every operation of the OpenAPI document with every status it answers', () => {
    expect(operations().length).toBeGreaterThan(5);
    const missing: string[] = [];
    for (const { method, path, statuses } of operations()) {
      const section = sectionOf(`${method} ${path}`);
      if (section === undefined) {
        missing.push(`${method} ${path}: no heading or table row names it`);
        continue;
      }
      for (const status of statuses)
        if (!section.includes(`\`${status}\``)) missing.push(`${method} ${path}: status ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it('names every problem type the document declares', () => {
    const type = document.components.schemas.Problem.properties.type;
    const declared: string[] = [
      ...(type.examples ?? []),
      ...(type.enum ?? []),
      ...(type.const === undefined ? [] : [type.const]),
    ];
    expect(declared.length).toBeGreaterThan(0);
    expect(declared.filter((value) => !apiPage.includes(`\`${value}\``))).toEqual([]);
  });

  it('names no route the service does not serve', () => {
    const inDocument = new Set(operations().map(({ method, path }) => `${method} ${path}`));
    const named = [...apiPage.matchAll(new RegExp(`\`(${methods.join('|')}) (/[^\`\\s]*)\``, 'g'))];
    expect(named.length).toBeGreaterThan(10);
    const unknown = named
      .map(([, method, path]) => ({ method: method!, path: path! }))
      .filter(({ method, path }) => !inDocument.has(`${method} ${path}`))
      // Routes outside the document (/openapi.json, /docs, /ui, /metrics) must still be routes of the app.
      .filter(
        ({ method, path }) =>
          !app.hasRoute({ method: method as HTTPMethods, url: path.replace(/\{(\w+)\}/g, ':$1') }),
      );
    expect(unknown).toEqual([]);
  });

  it('lists every problem title the code answers, with its status', () => {
    const titles = problemTitlesInSource('src');
    // The scan itself must keep finding what it looks for.
    expect(titles.map(({ title }) => title)).toEqual(
      expect.arrayContaining([
        'Invalid request',
        'Outcome unknown',
        'Too many pending events',
        'Bad Request',
      ]),
    );
    const rows = apiPage.split('\n').filter((line) => line.startsWith('| `'));
    const missing = titles.filter(
      ({ status, title }) =>
        !rows.some(
          (row) => row.includes(`\`${title}\``) && (status === undefined || row.includes(`\`${status}\``)),
        ),
    );
    expect(missing).toEqual([]);
  });
});

/**
 * The title of every problem document the code can answer, with its status where the code spells it:
 * `new ProblemError(status, 'Title', …)` (a conditional title gives both of its strings), objects with
 * `status` and then `title: 'Title'`, and the HTTP parser's refusals (a map from status to reason phrase).
 */
function problemTitlesInSource(dir: string): { status?: string; title: string }[] {
  const found = new Map<string, { status?: string; title: string }>();
  const add = (status: string | undefined, title: string) =>
    found.set(`${status} ${title}`, { ...(status ? { status } : {}), title });
  for (const file of filesUnder(dir, '.ts')) {
    const text = readFileSync(file, 'utf8');
    for (const [, status, titleExpression] of text.matchAll(/new ProblemError\(\s*(\w+),\s*([^,]+),/g)) {
      for (const [, title] of titleExpression!.matchAll(/'([A-Z][^']*)'/g))
        add(/^\d{3}$/.test(status!) ? status : undefined, title!);
    }
    for (const [, status, title] of text.matchAll(/\bstatus(?::\s*([\w.]+))?,\s*title:\s*'([^']+)'/g))
      add(status && /^\d{3}$/.test(status) ? status : undefined, title!);
    if (file.endsWith('clientErrorHandler.ts')) {
      for (const [, status, title] of text.matchAll(/^\s*(\d{3}): '([^']+)',$/gm)) add(status, title!);
    }
  }
  return [...found.values()];
}
