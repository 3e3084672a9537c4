/** The oldest Node.js major version the service supports (package.json `engines`); the images ship 24. */
export const oldestSupportedNodeMajor = 22;

/**
 * A one-line warning when the running Node.js is older than the supported lines, else undefined. An
 * older Node (20, end of life since 2026-04-30) still runs the service today, so it warns rather than
 * refusing: a user trying `npm start` on an old machine gets a working service and a reason to upgrade.
 */
export function nodeVersionWarning(version: string = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  if (!(major < oldestSupportedNodeMajor)) return undefined;
  return (
    `Node.js ${version} is older than ${oldestSupportedNodeMajor}, the oldest supported line (the images ` +
    'and CI run 24): the service starts, but upgrade Node.js; versions before 22 are out of support and ' +
    'may stop working with any dependency update.'
  );
}
