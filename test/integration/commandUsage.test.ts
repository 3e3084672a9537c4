// The one-shot commands as a new user first meets them: `--help` prints how to call the command and
// exits 0 before it touches any database, and an argument a command does not take is refused (exit 2)
// instead of being ignored while the command goes on to do its work.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// A database nobody listens on: a command that tried to reach it would fail, not print its usage.
const nowhere = 'postgres://nobody@127.0.0.1:1/none';

async function run(entry: string, args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', `src/entry/${entry}.ts`, ...args],
      { env: { PATH: process.env.PATH ?? '', DATABASE_URL: nowhere } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('--help', () => {
  it.each([
    ['keys', '--help', /npm run keys -- create --tenant/],
    ['keys', '-h', /npm run keys -- create --tenant/],
    ['keys', 'help', /npm run keys -- list/],
    ['keys', 'create --help', /npm run keys -- create --kind admin/],
    ['migrate', '--help', /npm run migrate\b/],
    ['maintenance', '--help', /npm run maintenance\b.*\n.*exit status/is],
  ])('npm run %s -- %s prints the usage on standard output and exits 0', async (entry, args, usage) => {
    const { code, stdout, stderr } = await run(entry, args.split(' '));
    expect(stderr).toBe('');
    expect(stdout).toMatch(usage);
    expect(code).toBe(0);
  });
});

describe('arguments a command does not take', () => {
  it.each([
    ['keys', 'list --bogus', /^Unknown option --bogus\.$/m],
    ['migrate', '--dry-run', /npm run migrate takes no arguments/],
    ['maintenance', 'now', /npm run maintenance takes no arguments/],
  ])('npm run %s -- %s is refused with the usage, exit 2', async (entry, args, refusal) => {
    const { code, stdout, stderr } = await run(entry, args.split(' '));
    expect(stderr).toMatch(refusal);
    expect(stderr).toMatch(/usage/);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });
});
