/**
 * Handler scenarios: named calls of a function from an arranged state, which together drive every
 * code path of its handler that sends an SDK call. The handler tests run them and assert on what
 * they did; `recordIamNeeds` runs them all and lists the IAM actions their commands needed, for
 * the test that compares them with the synthesized policies.
 */
import { type IamNeed, iamNeedsOf } from './iam-needs';
import { clearSentCommands, invoke, type PlatformFakes, type PlatformFunctionName, resetSdkMocks, type SentCommand, sentCommands } from './sdk-mocks';

export interface HandlerScenario {
  readonly name: string;
  /**
   * The state the call starts from (table items, S3 objects, scripted races). It may invoke the
   * function under test itself, never another function: what it sends counts as this function's.
   */
  readonly arrange?: (fakes: PlatformFakes) => unknown;
  readonly event: unknown;
  /** The commands the call sends, in order. */
  readonly sends: readonly string[];
}

/** Every function's scenarios; a capability that adds a function must add its scenarios (the IAM coverage test needs them). */
export type HandlerScenarios<F extends PlatformFunctionName = PlatformFunctionName> = Readonly<Record<F, readonly HandlerScenario[]>>;

export interface ScenarioRun {
  readonly result: unknown;
  /** The tables and buckets as the call left them. */
  readonly fakes: PlatformFakes;
  /** The commands the call under test sent. */
  readonly sent: SentCommand[];
  /** The commands sent while arranging (a first call a scenario replays, say). */
  readonly arranged: SentCommand[];
}

/** Resets the mocks, arranges the scenario, then invokes the function's handler with its event. */
export async function runScenario(functionName: PlatformFunctionName, scenario: HandlerScenario): Promise<ScenarioRun> {
  const fakes = resetSdkMocks();
  await scenario.arrange?.(fakes);
  const arranged = sentCommands();
  clearSentCommands();
  const result = await invoke(functionName, scenario.event);
  return { result, fakes, sent: sentCommands(), arranged };
}

/** Finds a scenario by name, failing loudly on a typo. */
export function scenarioNamed(scenarios: readonly HandlerScenario[], name: string): HandlerScenario {
  const found = scenarios.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no scenario named "${name}"; there are: ${scenarios.map((scenario) => scenario.name).join('; ')}`);
  return found;
}

/**
 * Runs every scenario of a function against the mocks and returns the IAM actions (with where
 * they apply) its SDK calls needed, counting the commands sent while arranging, which the same
 * function sent too when a scenario arranges by invoking it.
 */
export async function recordIamNeeds(functionName: PlatformFunctionName, scenarios: readonly HandlerScenario[]): Promise<IamNeed[]> {
  if (scenarios.length === 0) throw new Error(`${functionName} has no scenarios: nothing would be checked`);
  const sent: SentCommand[] = [];
  for (const scenario of scenarios) {
    try {
      const run = await runScenario(functionName, scenario);
      sent.push(...run.arranged, ...run.sent);
    } catch (error) {
      throw new Error(`${functionName} scenario "${scenario.name}" failed: ${(error as Error).message}`);
    }
  }
  resetSdkMocks();
  return iamNeedsOf(sent, functionName);
}

/** The IAM actions alone, for readable assertions. */
export async function recordIamActions(functionName: PlatformFunctionName, scenarios: readonly HandlerScenario[]): Promise<Set<string>> {
  return new Set((await recordIamNeeds(functionName, scenarios)).map((need) => need.action));
}
