/**
 * Two projects: `unit` (core, handlers with aws-sdk-client-mock, CDK assertions) and
 * `integration` (real SDK calls to DynamoDB Local and moto, started by the global setup).
 * Tests are transpiled without type checks; `npm test` type-checks the whole tree once with tsc.
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
  // Python sources the functions bundle as text (the serving shim).
  '^.+\\.py$': '<rootDir>/test/support/text-transform.js',
};
const moduleFileExtensions = ['ts', 'js', 'json', 'py'];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      moduleFileExtensions,
      setupFiles: ['<rootDir>/test/support/quiet-sdk.ts'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.integration\\.test\\.ts$'],
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      moduleFileExtensions,
      setupFiles: ['<rootDir>/test/support/quiet-sdk.ts'],
      testMatch: ['<rootDir>/test/**/*.integration.test.ts'],
      globalSetup: '<rootDir>/test/emulators/global-setup.ts',
      globalTeardown: '<rootDir>/test/emulators/global-teardown.ts',
    },
  ],
};
