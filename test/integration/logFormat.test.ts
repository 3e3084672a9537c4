import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/configError.js';
import { prettyLine } from '../../src/log/prettyLine.js';
import { externalTool } from '../support/externalTool.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();

// `npm run migrate` as a real process: it logs a line or two and exits, which is all this needs.
const command = [process.execPath, '--import', 'tsx', 'src/entry/migrate.ts'];
// util-linux `script`, in Debian's essential bsdutils: present on any Debian, absent on some machines.
const scriptTool = externalTool(
  'script',
  'apt-get install -y bsdutils',
  'the test of readable log lines on a terminal',
);

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', ...db.env, NO_COLOR: '1', ...extra };
}

describe('log format', () => {
  it('writes JSON lines when standard output is a pipe, as log shippers expect', () => {
    const out = execFileSync(command[0]!, command.slice(1), { env: env({}), encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ name: 'ingest-migrate' });
  });

  it('writes readable lines when LOG_FORMAT=pretty, with the message and its fields', () => {
    const out = execFileSync(command[0]!, command.slice(1), {
      env: env({ LOG_FORMAT: 'pretty' }),
      encoding: 'utf8',
    });
    expect(out).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[ingest-migrate\] (migrations applied|schema up to date)/m,
    );
    expect(out).not.toContain('{"level"');
  });

  it.skipIf(scriptTool.skip)('writes readable lines on a terminal by default (auto)', () => {
    // util-linux `script` runs the command on a pseudo-terminal, as a person's shell would.
    const quoted = command.map((part) => `'${part}'`).join(' ');
    const out = execFileSync('script', ['-qec', quoted, '/dev/null'], { env: env({}), encoding: 'utf8' });
    expect(out).toMatch(/INFO {2}\[ingest-migrate\]/);
    expect(out).not.toContain('{"level"');
  });

  it('formats a record with an error stack below the line and fields as key=value', () => {
    const line = prettyLine(
      {
        level: 50,
        time: '2026-12-02T05:01:15.123Z',
        name: 'ingest-worker',
        pid: 1,
        msg: 'claim failed',
        retryInMs: 200,
        jobs: ['a', 'b'],
        err: { message: 'connection refused', stack: 'Error: connection refused\n    at x' },
      },
      false,
    );
    expect(line).toBe(
      '05:01:15.123 ERROR [ingest-worker] claim failed retryInMs=200 jobs=["a","b"] ' +
        'err="connection refused"\n    Error: connection refused\n        at x\n',
    );
  });

  it('refuses an unknown LOG_FORMAT at start, naming the accepted values', () => {
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow(
      /LOG_FORMAT="yaml": expected auto, json or pretty/,
    );
    expect(loadConfig({ LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
  });
});
