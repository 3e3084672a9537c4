import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder } from '../support/files.js';

// The user-facing docs (README.md, docs/**/*.md) speak to users: what the service does and how to use
// it. They carry no history of how it was written (issue numbers, work sessions) and link nothing a user
// of the repository does not have. git log keeps the history.

const root = resolve(import.meta.dirname, '../..');

const pages = [join(root, 'README.md'), ...filesUnder(join(root, 'docs'), '.md')].map((file) => ({
  name: relative(root, file),
  file,
  text: readFileSync(file, 'utf8'),
}));

/** Every line of every page that matches `pattern`, as `page:line: text`. */
function linesMatching(pattern: RegExp, text = (page: (typeof pages)[number]) => page.text): string[] {
  return pages.flatMap((page) =>
    text(page)
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${page.name}:${index + 1}: ${line.trim()}`] : [])),
  );
}

// A reference to an issue: "issue 12", "Issues 5 and 9", "issue 13.4", or "#12" standing alone (not an
// anchor such as "(#1-ingest)", a URL fragment or an HTML entity).
const issueReference = /\bissues? #?\d+|(?<![\w&/])#\d+(?![\w-])/i;
// A work session: "session 3", "session-3 merges", "this session's runs", "in an earlier session",
// "other sessions' test runs". PostgreSQL's sessions ("a lock another session holds", "once that session
// has ended", "session mode", "psql session", sessionStorage) are not matched.
const workSession =
  /\bsessions?[ -]\d+\b|\b(this|the previous|previous|an earlier|earlier) session\b|\bother sessions'/i;

/** The page's text without its fenced code blocks, where brackets and parentheses are code. */
const prose = (page: (typeof pages)[number]) => page.text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');

// Links to other sites: only standards a user needs, and the service itself on this machine.
const allowedHosts = ['www.rfc-editor.org', 'datatracker.ietf.org', 'localhost', '127.0.0.1'];

describe('the user-facing docs', () => {
  it('are README.md and every page under docs/', () => {
    expect(pages.map((page) => page.name)).toEqual(
      expect.arrayContaining(['README.md', 'docs/api.md', 'docs/performance.md']),
    );
  });

  it('carry no issue references', () => {
    expect(linesMatching(issueReference)).toEqual([]);
  });

  it('say nothing of the sessions they were written in', () => {
    expect(linesMatching(workSession)).toEqual([]);
  });

  it('name no file outside the repository', () => {
    expect(linesMatching(/\.\.\/shared\b|CONTRACT\.md|KNOWN\.md|HELPER-RULES/)).toEqual([]);
  });

  it('link only to files of the repository that exist, and to standards', () => {
    const bad: string[] = [];
    for (const page of pages) {
      const text = prose(page);
      const targets = [
        ...[...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!),
        ...[...text.matchAll(/<(https?:\/\/[^>\s]+)>/g)].map((match) => match[1]!),
      ];
      for (const target of targets) {
        if (/^https?:\/\//.test(target)) {
          const host = new URL(target).hostname;
          if (!allowedHosts.includes(host)) bad.push(`${page.name}: ${target} (not a standard)`);
          continue;
        }
        if (target.startsWith('#') || target.startsWith('mailto:')) continue;
        const path = resolve(dirname(page.file), decodeURI(target.split('#')[0]!));
        if (relative(root, path).startsWith('..'))
          bad.push(`${page.name}: ${target} (outside the repository)`);
        else if (!existsSync(path)) bad.push(`${page.name}: ${target} (no such file)`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('tell an issue reference from an anchor or an entity', () => {
    for (const text of ['see issue 12', 'Issue 13.4', 'issues 5', 'fixed in #12.', '(#7)'])
      expect(text).toMatch(issueReference);
    for (const text of ['[x](#1-ingest)', 'https://x/#12', '&#8212;', 'step #a', 'issued 3 keys'])
      expect(text).not.toMatch(issueReference);
  });

  it('tell a work session from a PostgreSQL session', () => {
    for (const text of ['It once failed (session 3)', 'after the session-3 merges', "this session's runs"])
      expect(text).toMatch(workSession);
    for (const text of [
      'a lock another session holds',
      'once that session has ended',
      '`session` mode',
      'a `psql` session',
      'sessionStorage',
    ])
      expect(text).not.toMatch(workSession);
  });
});
