// What the one-shot commands (`npm run keys`, `migrate`, `maintenance`) do with their arguments before
// anything else: `--help` prints the usage and exits, before a database is reached or started; an
// argument a command does not take stops it, rather than being ignored while the command does its work.

const helpWords = new Set(['--help', '-h', 'help']);

/** Prints `usage` on standard output and exits 0 when the arguments ask for help. */
function exitOnHelp(argv: readonly string[], usage: string): void {
  if (!argv.some((arg) => helpWords.has(arg))) return;
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

/** For a command that takes no arguments: help, or a refusal with the usage (exit 2) for anything else. */
export function refuseArguments(argv: readonly string[], command: string, usage: string): void {
  exitOnHelp(argv, usage);
  if (argv.length === 0) return;
  process.stderr.write(`${command} takes no arguments (got ${argv.join(' ')}).\n${usage}\n`);
  process.exit(2);
}
