/** Quotes a PostgreSQL identifier so that the GRANT in a message can be pasted as it is. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Who is migrating and where, as the pre-check found it. */
export interface MigrationPrivileges {
  user_name: string;
  database_name: string;
  /** Where unqualified CREATE TABLE would land; null when no schema on the search_path exists. */
  schema_name: string | null;
}

/**
 * The database user may not create the service's tables. Since PostgreSQL 15 only the database owner
 * (and whoever it grants CREATE) may create in `public`, and managed databases often bind a user that
 * is not the owner (App Platform's dev databases among them). The message gives the statement to run.
 */
export class MigrationPrivilegeError extends Error {
  override name = 'MigrationPrivilegeError';

  constructor(privileges: MigrationPrivileges, pending: string[]) {
    const user = quoteIdentifier(privileges.user_name);
    const database = quoteIdentifier(privileges.database_name);
    const what = pending.length > 0 ? `apply migrations ${pending.join(', ')}` : 'create schema_migrations';
    if (privileges.schema_name === null) {
      super(
        `Cannot ${what}: no schema on the search_path of user ${user} exists in database ${database}. ` +
          `As the database owner or an admin, run in database ${database}: ` +
          `CREATE SCHEMA IF NOT EXISTS public; GRANT USAGE, CREATE ON SCHEMA public TO ${user}; ` +
          'then deploy again (docs/deployment.md, "Database permissions").',
      );
      return;
    }
    const schema = quoteIdentifier(privileges.schema_name);
    super(
      `Cannot ${what}: the database user ${user} may not create tables in schema ${schema} of ` +
        `database ${database} (since PostgreSQL 15 only the database owner may create in public, and ` +
        'managed databases often bind a user that is not the owner). Connected to database ' +
        `${database} as its owner or an admin user (doadmin on DigitalOcean), run ` +
        `GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${user}; ` +
        'then deploy again. On an App Platform dev database, where no admin user is given out, ' +
        "DigitalOcean's answer is to delete the dev database and create a new one " +
        '(docs/deployment.md, "Database permissions").',
    );
  }
}
