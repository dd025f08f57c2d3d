/**
 * Three projects, run by `npm test` after tsc and biome (each alone with `npm run test:<project>`):
 * - `unit`: core, handlers with aws-sdk-client-mock, client, CLI. No CDK synthesis (test/support/no-synth.ts
 *   makes it throw) and no emulators.
 * - `synth`: everything that needs a synthesized stack: the tests of lib/ (test/lib/**) and any file named
 *   `*.synth.test.ts`. The global setup synthesizes each shared platform stack shape once
 *   (test/support/synth/stack-shapes.ts); test files read those templates instead of synthesizing their own.
 * - `integration`: real SDK calls to DynamoDB Local and moto, started by the global setup.
 * Tests are transpiled without type checks; `npm test` type-checks the whole tree once with tsc.
 * Timeouts are set for a busy 2-core machine; `slowTestThreshold` (seconds per file) flags what grew slow.
 * Workers: one per core. jest's default, one fewer than the cores, is half of a 2-core machine, and every project
 * gains from a second worker there (measured under other jobs' load: unit 197 s against 295 s, integration 230 s
 * against 420 s, no timeout).
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
  // Python sources the functions bundle as text (the serving shim).
  '^.+\\.py$': '<rootDir>/test/support/text-transform.js',
};
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json', 'py'],
};
/** Each project's setup files, with its test timeout (see test/support/project-timeout.ts). */
const setup = (testTimeoutMs, ...setupFiles) => ({
  globals: { PROJECT_TEST_TIMEOUT_MS: testTimeoutMs },
  setupFiles: ['<rootDir>/test/support/quiet-sdk.ts', '<rootDir>/test/support/project-timeout.ts', ...setupFiles],
});
const SYNTH_TESTS = ['<rootDir>/test/lib/**/*.test.ts', '<rootDir>/test/**/*.synth.test.ts'];

module.exports = {
  maxWorkers: '100%',
  projects: [
    {
      ...common,
      displayName: 'unit',
      ...setup(15_000, '<rootDir>/test/support/no-synth.ts'),
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/lib/', '\\.synth\\.test\\.ts$', '\\.integration\\.test\\.ts$'],
      slowTestThreshold: 3,
    },
    {
      ...common,
      displayName: 'synth',
      ...setup(60_000),
      testMatch: SYNTH_TESTS,
      testPathIgnorePatterns: ['/node_modules/', '\\.integration\\.test\\.ts$'],
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
      globalSetup: '<rootDir>/test/support/synth/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/synth/global-teardown.ts',
      slowTestThreshold: 15,
    },
    {
      ...common,
      displayName: 'integration',
      ...setup(60_000),
      testMatch: ['<rootDir>/test/**/*.integration.test.ts'],
      globalSetup: '<rootDir>/test/emulators/global-setup.ts',
      globalTeardown: '<rootDir>/test/emulators/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
};
