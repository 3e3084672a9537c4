// tsc only emits JavaScript; the statements and migrations are read from disk at run time, so the build
// copies every .sql file under src/ to the same place under dist/.
import { cpSync } from 'node:fs';

cpSync('src', 'dist', { recursive: true, filter: (path) => !/\.ts$/.test(path) });
