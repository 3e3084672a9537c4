/**
 * A connection pooler (PgBouncer) between the service and PostgreSQL refused a connection setting the
 * service sends (statement_timeout, lock_timeout): DATABASE_POOL_MODE=transaction is missing. Its message
 * says what to set. It keeps the pooler's SQLSTATE, so a request meeting it is still answered 503.
 */
export class PoolerSettingRefusedError extends Error {
  override name = 'PoolerSettingRefusedError';
  readonly code = '08P01';

  constructor(
    /** The setting the pooler named. */
    readonly setting: string,
    /** host:port of the pooler. */
    readonly server: string,
    cause: Error,
  ) {
    super(
      `The database server at ${server} refused the connection setting ${setting} ("unsupported startup ` +
        'parameter"): it is a connection pooler such as PgBouncer, which takes no connection settings. ' +
        'Set DATABASE_POOL_MODE=transaction (right for PgBouncer in transaction and in session mode): the ' +
        'service then sends none and names no prepared statements. Set statement_timeout and ' +
        'lock_timeout on the database role instead (docs/pgbouncer.md).',
      { cause },
    );
  }
}

/**
 * The error as PoolerSettingRefusedError when it is a pooler's refusal of a connection setting, else as
 * it is. PgBouncer answers it with SQLSTATE 08P01, which also covers any protocol violation, so its text
 * is what tells it apart; PgBouncer's messages are not translated, so the text does not vary by locale.
 */
export function explainPoolerRefusal(error: Error, server: string): Error {
  const code = (error as { code?: unknown }).code;
  const refused = /^unsupported startup parameter: (\S+)/.exec(error.message);
  return code === '08P01' && refused ? new PoolerSettingRefusedError(refused[1]!, server, error) : error;
}
