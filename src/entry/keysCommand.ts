import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generateKeyText, keyDigest, keyKinds, kindOfKeyText, type KeyKind } from '../auth/apiKeyText.js';
import { lifetimeSeconds } from '../auth/keyLifetime.js';
import { apiKeyInsert, apiKeyRevoke, apiKeysList } from '../data/apiKeyStore.js';
import type { Pool } from '../data/pool.js';
import { keysTable } from './keysTable.js';
import { normalizeOrigin, originForm } from '../config/origin.js';

/** What a run of the keys CLI printed and how it ended. */
export interface KeysCommandOutcome {
  exitCode: number;
  stdout: string[];
  stderr: string[];
}

/** How to call the CLI, printed with every usage mistake. */
export const keysUsage = [
  'usage:',
  '  npm run keys -- create --tenant <id> --kind write|read [--name N] [--expires-in 30d] [--rps N] [--eps N]',
  '                         [--origin https://app.example.com ...]',
  '  npm run keys -- create --kind admin [--name N] [--expires-in 30d]',
  '  npm run keys -- list [--tenant <id>]',
  '  npm run keys -- revoke <key id, or the key itself>',
  'A lifetime is a number and s, m, h or d (90s, 15m, 12h, 30d). --origin, repeatable, restricts the key',
  'to pages of those origins. The new key is the last line of output.',
].join('\n');

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function usageError(message: string): KeysCommandOutcome {
  return { exitCode: 2, stdout: [], stderr: [message, keysUsage] };
}

/** A positive number of requests or events per second, or undefined when the text is not one. */
function rateOf(text: string | undefined): number | null | undefined {
  if (text === undefined) return null;
  const value = Number(text);
  return /^\d+(\.\d+)?$/.test(text) && value > 0 && value <= 1_000_000 ? value : undefined;
}

/** The origins `--origin` names, as browsers write them; null for none; a message for a bad one. */
function originsOf(texts: readonly string[] | undefined): string[] | null | string {
  if (texts === undefined || texts.length === 0) return null;
  const origins: string[] = [];
  for (const text of texts) {
    const origin = normalizeOrigin(text.trim());
    if (origin === undefined) return `--origin ${JSON.stringify(text)} is not ${originForm}.`;
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

const iso = (date: Date | null) => (date === null ? '-' : date.toISOString());

const keysOptions = {
  tenant: { type: 'string' },
  kind: { type: 'string' },
  name: { type: 'string' },
  'expires-in': { type: 'string' },
  rps: { type: 'string' },
  eps: { type: 'string' },
  origin: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

type KeysArguments = ReturnType<typeof parseArgs<{ options: typeof keysOptions; allowPositionals: true }>>;

/**
 * The command line read, or what to print instead when it asks for help or cannot be read: decided
 * before any database is reached, so `--help` and a typo answer at once.
 */
export function keysArguments(argv: readonly string[]): KeysArguments | KeysCommandOutcome {
  let parsed: KeysArguments;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: keysOptions });
  } catch (error) {
    // Node's message goes on about positionals after `--`, which npm's own `--` makes moot.
    return usageError((error as Error).message.replace(/^(Unknown option) '([^']*)'\..*$/s, '$1 $2.'));
  }
  if (parsed.values.help || parsed.positionals[0] === 'help')
    return { exitCode: 0, stdout: [keysUsage], stderr: [] };
  return parsed;
}

/**
 * Runs one command of `npm run keys` against `pool`. Separate from the process around it so that tests
 * run it in-process; the entry point prints what it returns.
 */
export async function runKeysCommand(pool: Pool, argv: readonly string[]): Promise<KeysCommandOutcome> {
  const parsed = keysArguments(argv);
  if ('exitCode' in parsed) return parsed;
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  switch (command) {
    case 'create': {
      const kind = values.kind as KeyKind | undefined;
      if (kind === undefined || !keyKinds.includes(kind))
        return usageError('--kind must be write, read or admin.');
      const tenant = values.tenant?.trim();
      if (kind === 'admin' && tenant !== undefined)
        return usageError('An admin key belongs to no tenant: leave out --tenant.');
      if (kind !== 'admin' && (tenant === undefined || tenant.length === 0 || tenant.length > 128))
        return usageError(`A ${kind} key belongs to a tenant: give --tenant <id> (1 to 128 characters).`);
      const lifetime = values['expires-in'] === undefined ? null : lifetimeSeconds(values['expires-in']);
      if (lifetime === undefined)
        return usageError('--expires-in must be a number and s, m, h or d, up to 3650d.');
      const requestsPerSecond = rateOf(values.rps);
      const eventsPerSecond = rateOf(values.eps);
      if (requestsPerSecond === undefined || eventsPerSecond === undefined)
        return usageError('--rps and --eps must be positive numbers (per second).');
      if (kind === 'admin' && (requestsPerSecond !== null || eventsPerSecond !== null))
        return usageError('--rps and --eps are limits of a tenant key; an admin key has none.');
      const origins = originsOf(values.origin);
      if (typeof origins === 'string') return usageError(origins);
      if (kind === 'admin' && origins !== null)
        return usageError('--origin restricts a tenant key used from pages; the admin API answers no page.');
      const key = generateKeyText(kind);
      const id = randomUUID();
      const stored = await apiKeyInsert(pool, {
        id,
        kind,
        tenantId: kind === 'admin' ? null : tenant!,
        name: values.name ?? '',
        digest: key.digest,
        hint: key.hint,
        lifetimeSeconds: lifetime,
        requestsPerSecond,
        eventsPerSecond,
        allowedOrigins: origins,
      });
      return {
        exitCode: 0,
        stdout: [
          `created ${kind} key ${id}${kind === 'admin' ? '' : ` for tenant ${tenant}`}, expires ${stored.expiresAt ? iso(stored.expiresAt) : 'never'}` +
            (origins ? `, used only from ${origins.join(' ')}` : ''),
          'It is shown this once and stored only as a digest: keep it now. The key:',
          key.text,
        ],
        stderr: [],
      };
    }
    case 'list': {
      if (rest.length > 0) return usageError('list takes no positional arguments.');
      const keys = await apiKeysList(pool, values.tenant);
      return { exitCode: 0, stdout: keys.length === 0 ? ['no keys'] : keysTable(keys), stderr: [] };
    }
    case 'revoke': {
      const [target, ...extra] = rest;
      if (target === undefined || extra.length > 0) return usageError('revoke takes one key id or key.');
      let by: { id: string } | { digest: Buffer };
      if (uuidPattern.test(target)) by = { id: target.toLowerCase() };
      else if (kindOfKeyText(target)) by = { digest: keyDigest(target) };
      else
        return usageError(`${JSON.stringify(target.slice(0, 60))} is neither a key id (a UUID) nor a key.`);
      const revoked = await apiKeyRevoke(pool, by);
      if (!revoked) return { exitCode: 1, stdout: [], stderr: ['No key has this id or text.'] };
      return {
        exitCode: 0,
        stdout: [
          `revoked ${revoked.kind} key ${revoked.id} (${revoked.tenantId ?? 'admin'}) at ${iso(revoked.revokedAt)}; ` +
            'every API process refuses it within a second.',
        ],
        stderr: [],
      };
    }
    default:
      return usageError(
        command === undefined ? 'Name a command.' : `Unknown command ${JSON.stringify(command)}.`,
      );
  }
}
