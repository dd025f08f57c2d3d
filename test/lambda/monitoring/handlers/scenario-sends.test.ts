import { runScenario } from '../../handler-support/scenarios';
import type { MonitoringFunction } from '../../handler-support/sdk-mocks';
import { monitoringScenarios } from './handler-scenarios';

const cases = Object.entries(monitoringScenarios).flatMap(([fn, scenarios]) =>
  scenarios.map((scenario) => [fn as MonitoringFunction, scenario.name, scenario] as const),
);

describe('monitoring handler scenarios', () => {
  it.each(cases)('%s, %s: sends exactly what it says', async (fn, _, scenario) => {
    const { sent } = await runScenario(fn, scenario);

    expect(sent.map((command) => command.command)).toEqual(scenario.sends);
  });
});
