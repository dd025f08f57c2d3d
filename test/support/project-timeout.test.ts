// jest.setTimeout keeps the timeout under this symbol, which jest-circus reads when the file's run starts.
const TEST_TIMEOUT = Symbol.for('TEST_TIMEOUT_SYMBOL');

test("runs with the unit project's test timeout (15 s), not jest's default (5 s)", () => {
  expect((globalThis as Record<symbol, unknown>)[TEST_TIMEOUT]).toBe(15_000);
});
