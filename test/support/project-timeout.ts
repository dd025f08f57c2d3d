// jest 30 reads `testTimeout` from the root config only, not from a project's: each project states
// its own in `globals` (jest.config.js), and a file's own jest.setTimeout still overrides it.
declare const PROJECT_TEST_TIMEOUT_MS: number;
jest.setTimeout(PROJECT_TEST_TIMEOUT_MS);
