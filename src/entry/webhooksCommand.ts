import { parseArgs } from 'node:util';
import type { Pool } from '../data/pool.js';
import {
  webhookEndpointDelete,
  webhookEndpointEnable,
  webhookEndpointsList,
  type WebhookEndpoint,
} from '../data/webhookEndpoints.js';
import { webhookEndpointCreate, webhookSecretRotate } from '../webhooks/endpointRegistry.js';
import type { CommandOutcome } from './commandRun.js';

/** How to call the CLI, printed with every usage mistake. */
export const webhooksUsage = [
  'usage:',
  '  npm run webhooks -- create --tenant <id> --url <https://…> [--events ingestion.succeeded,ingestion.failed]',
  '  npm run webhooks -- list [--tenant <id>]',
  '  npm run webhooks -- rotate <endpoint id>   (the old secret signs too for 24 hours)',
  '  npm run webhooks -- enable <endpoint id>   (on again after it was disabled)',
  '  npm run webhooks -- delete <endpoint id>',
  'The signing secret is the last line of create and rotate, shown that once.',
].join('\n');

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (date: Date | null) => (date === null ? '-' : date.toISOString());

function usageError(message: string): CommandOutcome {
  return { exitCode: 2, stdout: [], stderr: [message, webhooksUsage] };
}

function listingLine(endpoint: WebhookEndpoint): string {
  const state = endpoint.disabledAt
    ? `disabled ${iso(endpoint.disabledAt)} (${endpoint.disabledReason ?? ''})`
    : `pending=${endpoint.pending}`;
  const rotation = endpoint.previousSecretUntil
    ? ` old secret signs until ${iso(endpoint.previousSecretUntil)}`
    : '';
  return (
    `${endpoint.id}  ${endpoint.tenantId.padEnd(16)}  ${endpoint.url}  events=${endpoint.events.join(',')} ` +
    `created ${iso(endpoint.createdAt)} ${state}${rotation}`
  );
}

/** The one endpoint id a command takes, or a usage error. */
function endpointIdOf(rest: readonly string[], command: string): string | CommandOutcome {
  const [id, ...extra] = rest;
  if (id === undefined || extra.length > 0 || !uuidPattern.test(id))
    return usageError(`${command} takes one endpoint id (a UUID, as list shows it).`);
  return id.toLowerCase();
}

const notFound: CommandOutcome = { exitCode: 1, stdout: [], stderr: ['No webhook endpoint has this id.'] };

/**
 * Runs one command of `npm run webhooks` against `pool`; the entry point prints what it returns.
 * `allowPrivate` is WEBHOOK_ALLOW_PRIVATE_URLS, which the URL rules follow as in the admin API.
 */
export async function runWebhooksCommand(
  pool: Pool,
  argv: readonly string[],
  allowPrivate: boolean,
): Promise<CommandOutcome> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { tenant: { type: 'string' }, url: { type: 'string' }, events: { type: 'string' } },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  switch (command) {
    case 'create': {
      if (values.tenant === undefined || values.url === undefined)
        return usageError('create needs --tenant and --url.');
      const created = await webhookEndpointCreate(
        pool,
        { tenantId: values.tenant, url: values.url, events: values.events?.split(',').map((e) => e.trim()) },
        allowPrivate,
      );
      if ('problems' in created)
        return usageError(
          Object.entries(created.problems)
            .map(([field, problems]) => `--${field === 'tenantId' ? 'tenant' : field} ${problems.join('; ')}`)
            .join('\n'),
        );
      return {
        exitCode: 0,
        stdout: [
          `created webhook endpoint ${created.id} for tenant ${created.tenantId}: ${created.url} (${created.events.join(', ')})`,
          'Its signing secret is shown this once: give it to the receiver now. The secret:',
          created.secret,
        ],
        stderr: [],
      };
    }
    case 'list': {
      if (rest.length > 0) return usageError('list takes no positional arguments.');
      const endpoints = await webhookEndpointsList(pool, values.tenant);
      return {
        exitCode: 0,
        stdout: endpoints.length === 0 ? ['no webhook endpoints'] : endpoints.map(listingLine),
        stderr: [],
      };
    }
    case 'rotate': {
      const id = endpointIdOf(rest, 'rotate');
      if (typeof id !== 'string') return id;
      const rotated = await webhookSecretRotate(pool, id);
      if (!rotated) return notFound;
      return {
        exitCode: 0,
        stdout: [
          `new secret for webhook endpoint ${id}; the previous one signs too until ${iso(rotated.previousSecretUntil)}. The secret:`,
          rotated.secret,
        ],
        stderr: [],
      };
    }
    case 'enable': {
      const id = endpointIdOf(rest, 'enable');
      if (typeof id !== 'string') return id;
      if (!(await webhookEndpointEnable(pool, id))) return notFound;
      return {
        exitCode: 0,
        stdout: [`webhook endpoint ${id} is on: messages are written for it again as jobs finish`],
        stderr: [],
      };
    }
    case 'delete': {
      const id = endpointIdOf(rest, 'delete');
      if (typeof id !== 'string') return id;
      if (!(await webhookEndpointDelete(pool, id))) return notFound;
      return {
        exitCode: 0,
        stdout: [`deleted webhook endpoint ${id}; its waiting messages are given up`],
        stderr: [],
      };
    }
    default:
      return usageError(
        command === undefined ? 'Name a command.' : `Unknown command ${JSON.stringify(command)}.`,
      );
  }
}
