// `npm run keys -- create|list|revoke`: manages API keys (AUTH_MODE=keys) in the configured database, or,
// with none configured, in the embedded PostgreSQL that `npm start` uses (taken over while it runs).
import { runDatabaseCommand } from './commandRun.js';
import { runKeysCommand } from './keysCommand.js';

await runDatabaseCommand('keys', (pool) => runKeysCommand(pool, process.argv.slice(2)));
