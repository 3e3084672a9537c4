// `npm run keys -- create|list|revoke`: manages API keys (AUTH_MODE=keys) in the configured database, or,
// with none configured, in the embedded PostgreSQL that `npm start` uses (taken over while it runs).
import { runDatabaseCommand } from './commandRun.js';
import { keysArguments, runKeysCommand } from './keysCommand.js';

const argv = process.argv.slice(2);
await runDatabaseCommand(
  'keys',
  (pool) => runKeysCommand(pool, argv),
  () => {
    const parsed = keysArguments(argv);
    return 'exitCode' in parsed ? parsed : undefined;
  },
);
