import { runScenario } from '../../handler-support/scenarios';
import type { DeploymentsFunction } from '../../handler-support/sdk-mocks';
import { deploymentsScenarios, freezeDate, NOW } from './handler-scenarios';

const cases = Object.entries(deploymentsScenarios).flatMap(([fn, scenarios]) =>
  scenarios.map((scenario) => [fn as DeploymentsFunction, scenario.name, scenario] as const),
);

describe('deployment handler scenarios', () => {
  beforeEach(() => {
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it.each(cases)('%s, %s: sends exactly what it says', async (fn, _, scenario) => {
    const { sent } = await runScenario(fn, scenario);

    expect(sent.map((command) => command.command)).toEqual(scenario.sends);
  });
});
