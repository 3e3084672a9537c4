// How the images run a process: the ENV lines and the node arguments of the CMD of the final stage of
// Dockerfile.api / Dockerfile.worker, read from the files themselves, so the bench measures whatever
// memory flags and allocator settings the images ship, and cannot drift from them.
import { readFileSync } from 'node:fs';

/** The environment and node flags a Dockerfile's runtime stage gives its process. */
export interface ImageRuntime {
  env: Record<string, string>;
  /** Arguments between `node` and the entry script in the CMD, e.g. `--max-semi-space-size=2`. */
  nodeArgs: string[];
}

const root = new URL('..', import.meta.url).pathname;

function unquote(value: string): string {
  return /^".*"$/.test(value) ? (JSON.parse(value) as string) : value;
}

/** Parses the final stage (after the last FROM) of a Dockerfile's text. */
export function parseImageRuntime(dockerfile: string): ImageRuntime {
  // Continuation lines joined, comments dropped.
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = lines.findLastIndex((line) => /^FROM\s/i.test(line));
  const env: Record<string, string> = {};
  let nodeArgs: string[] = [];
  for (const line of lines.slice(lastFrom + 1)) {
    const envLine = /^ENV\s+(.*)$/i.exec(line);
    if (envLine) {
      for (const pair of envLine[1]!.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S+)/g) ?? []) {
        const at = pair.indexOf('=');
        env[pair.slice(0, at)] = unquote(pair.slice(at + 1));
      }
    }
    const cmd = /^CMD\s+(\[.*\])$/i.exec(line);
    if (cmd) {
      const argv = JSON.parse(cmd[1]!) as string[];
      if (argv[0] !== 'node') throw new Error(`the CMD does not start node: ${line}`);
      nodeArgs = argv.slice(1, -1);
    }
  }
  return { env, nodeArgs };
}

/** The runtime of Dockerfile.api or Dockerfile.worker in this checkout. */
export function imageRuntime(image: 'api' | 'worker'): ImageRuntime {
  return parseImageRuntime(readFileSync(`${root}Dockerfile.${image}`, 'utf8'));
}
