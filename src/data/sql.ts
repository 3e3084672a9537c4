import { readFileSync } from 'node:fs';

/** A statement read from `queries/<name>.sql`, ready to run as a named prepared statement. */
export interface SqlStatement {
  name: string;
  text: string;
}

/**
 * Loads a statement once, at import. node-postgres prepares a named statement once per connection and
 * then sends only its parameters, so the text is parsed and planned once rather than on every call.
 */
export function sqlStatement(name: string): SqlStatement {
  const text = readFileSync(new URL(`./queries/${name}.sql`, import.meta.url), 'utf8');
  return { name, text };
}
