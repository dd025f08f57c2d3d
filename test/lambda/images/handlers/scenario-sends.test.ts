import { runScenario } from '../../handler-support/scenarios';
import type { ImagesFunction } from '../../handler-support/sdk-mocks';
import { imagesScenarios } from './handler-scenarios';

const cases = Object.entries(imagesScenarios).flatMap(([fn, scenarios]) =>
  scenarios.map((scenario) => [fn as ImagesFunction, scenario.name, scenario] as const),
);

describe('inference image handler scenarios', () => {
  it.each(cases)('%s, %s: sends exactly what it says', async (fn, _, scenario) => {
    const { sent } = await runScenario(fn, scenario);

    expect(sent.map((command) => command.command)).toEqual(scenario.sends);
  });
});
