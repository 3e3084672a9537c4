/** A position in a job list: the (created_at, id) of a row, created_at with its full precision. */
export interface JobKey {
  createdKey: string;
  id: string;
}

/**
 * The opaque cursor of the job lists (the admin list, and a tenant's own): the last row's
 * (created_at, id), base64url-encoded. Clients pass it back as they got it; its content may change
 * between versions.
 */
export function encodeCursor(key: JobKey): string {
  return Buffer.from(JSON.stringify([key.createdKey, key.id])).toString('base64url');
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The key a cursor holds, or undefined when it is not one this service made. */
export function decodeCursor(cursor: string): JobKey | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdKey, id] = value as unknown[];
    if (typeof createdKey !== 'string' || typeof id !== 'string' || !uuid.test(id)) return undefined;
    if (!/^\d{4}-\d\d-\d\d[ T][\d:.]+([+-]\d\d(:\d\d)?|Z)$/.test(createdKey)) return undefined;
    return { createdKey, id };
  } catch {
    return undefined;
  }
}
