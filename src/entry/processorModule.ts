import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobProcessor } from '../processing/processor.js';

/**
 * Loads the processor PROCESSOR_MODULE names: the module's `processor` export, an object with a `name`
 * and a `process` function. Undefined when no module is named (the template's aggregation in SQL runs).
 * Throws, naming the setting, when the file is missing or exports no processor: a worker must not start
 * processing jobs with something other than what its operator chose.
 */
export async function loadProcessor(path: string | undefined): Promise<JobProcessor | undefined> {
  if (path === undefined) return undefined;
  const file = resolve(path);
  if (!existsSync(file)) throw new Error(`PROCESSOR_MODULE=${JSON.stringify(path)}: no file at ${file}`);
  const loaded = (await import(pathToFileURL(file).href)) as { processor?: Partial<JobProcessor> };
  const { processor } = loaded;
  if (typeof processor?.process !== 'function' || typeof processor.name !== 'string') {
    throw new Error(
      `PROCESSOR_MODULE=${JSON.stringify(path)}: the module must export \`processor\`, ` +
        'an object with a `name` and a `process(input)` function (see docs/customizing.md)',
    );
  }
  return processor as JobProcessor;
}
