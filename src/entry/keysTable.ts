import type { ApiKeyListing } from '../data/apiKeyStore.js';

// Whole seconds: the list is read by people, and a column of milliseconds only widens it.
const seconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Where a key stands: revoked, expired, expiring, or valid with no end. */
function stateOf(key: ApiKeyListing, now: Date): string {
  if (key.revokedAt) return `revoked ${seconds(key.revokedAt)}`;
  if (!key.expiresAt) return 'active';
  return `${key.expiresAt <= now ? 'expired' : 'expires'} ${seconds(key.expiresAt)}`;
}

/** Per-key rate limits, or `-` when the tenant defaults apply. */
function limitsOf(key: ApiKeyListing): string {
  if (key.requestsPerSecond === null && key.eventsPerSecond === null) return '-';
  return `rps=${key.requestsPerSecond ?? '-'} eps=${key.eventsPerSecond ?? '-'}`;
}

const header = ['ID', 'KIND', 'TENANT', 'NAME', 'KEY', 'CREATED', 'LAST USED', 'STATE', 'LIMITS', 'ORIGINS'];

/**
 * `npm run keys -- list` as a table: a header row, then one row per key, each column as wide as its
 * widest cell. Never the key itself: its hint (prefix and four characters) recognises it.
 */
export function keysTable(keys: readonly ApiKeyListing[], now = new Date()): string[] {
  const rows = keys.map((key) => [
    key.id,
    key.kind,
    key.tenantId ?? '(all)',
    key.name === '' ? '-' : key.name,
    `${key.hint}…`,
    seconds(key.createdAt),
    key.lastUsedAt ? seconds(key.lastUsedAt) : 'never',
    stateOf(key, now),
    limitsOf(key),
    key.allowedOrigins ? key.allowedOrigins.join(',') : '-',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => [...row[column]!].length)),
  );
  return [header, ...rows].map((row) =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '),
  );
}
