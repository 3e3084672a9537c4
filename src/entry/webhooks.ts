// `npm run webhooks -- create|list|rotate|enable|delete`: manages tenants' webhook endpoints in the
// configured database, or, with none configured, in the embedded PostgreSQL that `npm start` uses.
import { runDatabaseCommand } from './commandRun.js';
import { runWebhooksCommand, webhooksUsage } from './webhooksCommand.js';

const argv = process.argv.slice(2);
await runDatabaseCommand(
  'webhooks',
  (pool, config) => runWebhooksCommand(pool, argv, config.webhooks.allowPrivateUrls),
  () =>
    argv.some((arg) => arg === '--help' || arg === '-h' || arg === 'help')
      ? { exitCode: 0, stdout: [webhooksUsage], stderr: [] }
      : undefined,
);
