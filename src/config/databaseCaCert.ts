import type { DatabaseConfig } from './connectionString.js';
import type { EnvReader } from './envReader.js';

const pemStart = '-----BEGIN CERTIFICATE-----';

/**
 * Applies DATABASE_CA_CERT, the PEM text of the CA that signed the database's certificate. Platforms hand
 * the CA out as text, not as a file (App Platform: `${db.CA_CERT}`), while `sslrootcert` / `Root
 * Certificate` name a file. As in libpq when a root certificate is present, `sslmode=require` then
 * verifies the chain (verify-ca); `verify-full` also checks the host name. An empty value is unset, so
 * a binding that resolves to nothing leaves the connection as it was.
 */
export function withCaCert(read: EnvReader, database: DatabaseConfig): DatabaseConfig {
  const raw = read.string('DATABASE_CA_CERT');
  if (raw === undefined) return database;
  // A certificate pasted into a one-line variable often arrives with literal "\n" escapes.
  const pem = raw.replace(/\\n/g, '\n');
  if (!pem.includes(pemStart)) {
    read.problems.push(
      `DATABASE_CA_CERT: expected the PEM text of a CA certificate (${pemStart} …), such as \${db.CA_CERT} ` +
        'on App Platform; to name a file instead, put sslrootcert=/path in the connection string.',
    );
    return database;
  }
  if (database.sslRootCertFile !== undefined) {
    read.problems.push(
      'DATABASE_CA_CERT is set and the connection string names a CA file (sslrootcert / Root Certificate): ' +
        'keep one of the two.',
    );
    return database;
  }
  if (database.sslMode === 'disable') {
    read.problems.push(
      'DATABASE_CA_CERT is set but the connection string does not use TLS (sslmode disable, allow or ' +
        'prefer, or none): set sslmode=verify-full (or SSL Mode=VerifyFull) to verify the certificate.',
    );
    return database;
  }
  return {
    ...database,
    sslRootCertPem: pem,
    sslMode: database.sslMode === 'require' ? 'verify-ca' : database.sslMode,
  };
}
