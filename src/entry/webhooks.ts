// `npm run webhooks -- create|list|rotate|delete`: manages tenants' webhook endpoints in the configured
// database, or, with none configured, in the embedded PostgreSQL that `npm start` uses.
import { runDatabaseCommand } from './commandRun.js';
import { runWebhooksCommand } from './webhooksCommand.js';

await runDatabaseCommand('webhooks', (pool, config) =>
  runWebhooksCommand(pool, process.argv.slice(2), config.webhooks.allowPrivateUrls),
);
