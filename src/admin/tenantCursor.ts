/**
 * Where a page of the tenant list ended: among the tenants with a backlog (its size and the tenant), among
 * those without (the tenant), or in the list of paused tenants. Opaque to clients, base64url JSON.
 */
export type TenantCursor =
  | { part: 'backlog'; pending: number; tenantId: string }
  | { part: 'idle'; tenantId: string }
  | { part: 'paused'; tenantId: string };

/** The cursor as a client gets it. */
export function encodeTenantCursor(cursor: TenantCursor): string {
  const value =
    cursor.part === 'backlog' ? ['b', cursor.pending, cursor.tenantId] : [cursor.part[0], cursor.tenantId];
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The cursor a client sent back, or undefined when it is not one this service made. */
export function decodeTenantCursor(text: string): TenantCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value)) return undefined;
    const [part, first, second] = value as unknown[];
    if (part === 'b' && Number.isInteger(first) && (first as number) > 0 && typeof second === 'string')
      return { part: 'backlog', pending: first as number, tenantId: second };
    if ((part === 'i' || part === 'p') && typeof first === 'string' && value.length === 2)
      return { part: part === 'i' ? 'idle' : 'paused', tenantId: first };
    return undefined;
  } catch {
    return undefined;
  }
}
