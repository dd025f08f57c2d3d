/**
 * Snapshot serializer that replaces asset hashes (64 hex characters, as in S3 keys and asset
 * parameters) with a fixed marker, so snapshots change with the template, not with the code
 * bundled into it. As in cdk-monitoring-constructs' test setup.
 */
const ASSET_HASH = /[0-9a-f]{64}/;

module.exports = {
  test: (value: unknown) => typeof value === 'string' && ASSET_HASH.test(value),
  serialize: (value: string) => JSON.stringify(value.replace(new RegExp(ASSET_HASH, 'g'), '[ASSET HASH]')),
};
