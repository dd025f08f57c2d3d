/**
 * The fuzz cases of issue 14 (items 9 to 12), table-driven over every function's handler: numbers
 * DynamoDB cannot hold, keys a plain object treats as its prototype's, and control characters in
 * each text field. Each starts from a scenario the handler tests run (its arranged state and event)
 * with one field made hostile. A refusal must be a ValidationError or NotFoundError naming the field,
 * never an InternalError, and must change nothing: no write sent, no item, no object. Keys such as
 * `constructor` are ordinary names: they are stored and read back.
 */

import { keys as trackingKeys } from '../../../lambda/experiments/adapters/table-keys';
import { keys as registryKeys } from '../../../lambda/registry/adapters/table-keys';
import { deploymentsScenarios } from '../deployments/handlers/handler-scenarios';
import { experimentScenarios, RUN_ID, items as runItems } from '../experiments/handlers/handler-scenarios';
import { type HandlerScenario, runScenario, scenarioNamed } from '../handler-support/scenarios';
import {
  clearSentCommands,
  FUNCTION_ENVIRONMENT,
  invoke,
  type MlflowFunction,
  type PlatformFakes,
  type PlatformFunctionName,
  resetSdkMocks,
  type SentCommand,
  sentCommands,
} from '../handler-support/sdk-mocks';
import { imagesScenarios } from '../images/handlers/handler-scenarios';
import { monitoringScenarios } from '../monitoring/handlers/handler-scenarios';
import { registryScenarios } from '../registry/handlers/handler-scenarios';

/** The functions invoked with JSON events; MlflowApi takes HTTP requests, whose hostile bodies its own handler tests cover. */
type EventFunction = Exclude<PlatformFunctionName, MlflowFunction>;

const SCENARIOS: Record<EventFunction, readonly HandlerScenario[]> = {
  ...registryScenarios,
  ...experimentScenarios,
  ...monitoringScenarios,
  ...imagesScenarios,
  ...deploymentsScenarios,
};

/** Numbers JSON carries that DynamoDB (through the document client) cannot store unchanged. */
const UNSTORABLE_NUMBERS = [1e308, -1e308, 5e-324, -5e-324, 1e-131, 2 ** 63, 1e20, 9007199254740993, -9007199254740993, 1e126];

/** Text a terminal acts on: an OSC title change (C0 ESC and BEL), a C1 CSI, a NUL, a DEL. */
const CONTROL_TEXT = ['a\u001b]0;pwned\u0007b', 'x\u009b31m', 'nul\u0000', 'del\u007f'];

/** Names a plain object resolves through its prototype: they must be stored as data. */
const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty'];

interface FunctionFields {
  /** The scenario whose arranged state and event a case starts from. */
  readonly scenario: string;
  /** Fields added to the scenario's event, so every field below is there to make hostile. */
  readonly extra?: Record<string, unknown>;
  /** Text fields, by their path in the event as a ValidationError names them. */
  readonly text?: readonly string[];
  /** Records keyed by callers (and the event itself, ''), where a `__proto__` key is added. */
  readonly records: readonly string[];
  /** Numbers that are stored. */
  readonly numbers?: readonly string[];
}

const FIELDS: Record<EventFunction, FunctionFields> = {
  RegisterModel: {
    scenario: 'a new model',
    extra: {
      description: 'weekly retrain',
      framework: 'xgboost',
      parameters: { eta: '0.1' },
      tags: { team: 'risk' },
      properties: { owner: 'ana' },
      datasets: [{ uri: 's3://data/train.csv', name: 'train' }],
      actor: 'ana@laptop',
    },
    text: ['description', 'framework', 'parameters.eta', 'tags.team', 'properties.owner', 'datasets[0].uri', 'datasets[0].name', 'actor'],
    records: ['', 'metrics', 'parameters', 'tags', 'properties', 'artifact'],
    numbers: ['metrics.auc'],
  },
  SetModelAlias: { scenario: 'a new alias', text: ['reason', 'actor'], records: [''] },
  QueryRegistry: { scenario: 'findVersions by tag value, read back in one batch', text: ['tag.value'], records: ['', 'tag'] },
  StartRun: {
    scenario: 'a first run of a new experiment',
    extra: { runName: 'nightly', description: 'weekly retrain', command: 'python train.py', actor: 'ana@laptop' },
    text: ['runName', 'description', 'command', 'params.lr', 'tags.team', 'actor'],
    records: ['', 'params', 'tags'],
  },
  LogMetrics: {
    scenario: 'a batch of metrics, params and tags',
    text: ['params.lr', 'tags.phase'],
    records: ['', 'params', 'tags', 'metrics[0]'],
    numbers: ['metrics[0].value'],
  },
  EndRun: { scenario: 'a failed run with its reason', text: ['reason'], records: [''] },
  QueryRuns: { scenario: 'metricHistory, read over two query pages', text: ['metric'], records: [''] },
  SweepRuns: { scenario: 'a silent run declared crashed', records: ['', 'detail'] },
  CollectData: { scenario: 'a batch of records', text: ['records[0].plan'], records: ['', 'records[0]'] },
  RegisterBaseline: { scenario: 'training data in the artifact bucket', text: ['source.categorical[0]'], records: ['', 'source'] },
  QueryMonitoring: { scenario: 'getCheck, the latest', records: [''] },
  CheckDrift: { scenario: 'a window without drift, checked at once', records: ['', 'config', 'config.capture'] },
  SketchCaptureChunk: { scenario: 'a chunk of capture files', text: ['chunk.keys[0]'], records: ['', 'chunk', 'config'] },
  RetrainGate: { scenario: 'a first drift alarm', records: [''] },
  CreateMonitor: {
    scenario: "a monitor of a deployment's capture, pinned to a version",
    extra: { minRecords: 50, thresholds: { ksPValue: 0.01, chiSquarePValue: 0.01, psi: 0.25, jensenShannon: 0.2, wasserstein: 0.3, driftShare: 0.4 } },
    text: ['actor'],
    records: ['', 'thresholds'],
    numbers: [
      'minRecords',
      'thresholds.ksPValue',
      'thresholds.chiSquarePValue',
      'thresholds.psi',
      'thresholds.jensenShannon',
      'thresholds.wasserstein',
      'thresholds.driftShare',
    ],
  },
  DeleteMonitor: { scenario: 'a stored monitor', records: [''] },
  MonitorEvents: { scenario: 'a deployment in service gets its monitor', records: ['', 'detail'] },
  RegisterImage: {
    scenario: 'an image to build, one model by alias and one by version',
    extra: { description: 'fraud scoring', environment: { WORKERS: '2' }, registeredBy: 'ana@laptop' },
    text: ['description', 'environment.WORKERS', 'registeredBy'],
    records: ['', 'environment', 'source', 'models[0]'],
  },
  QueryImages: { scenario: 'getImage, its latest version', records: [''] },
  ImageEvents: { scenario: 'a build that failed', records: ['', 'detail'] },
  CreateDeployment: {
    scenario: 'a serverless deployment of an image version',
    extra: {
      compute: { kind: 'serverless', memoryMb: 3072, maxConcurrency: 10 },
      strategy: { kind: 'all-at-once', bakeMinutes: 5 },
      alarms: { errorRatePercent: 2, latencyP99Ms: 500 },
      clientToken: 'create-1',
    },
    text: ['actor', 'clientToken'],
    records: ['', 'compute', 'strategy', 'alarms'],
    numbers: ['alarms.errorRatePercent', 'alarms.latencyP99Ms', 'compute.memoryMb', 'compute.maxConcurrency', 'strategy.bakeMinutes'],
  },
  UpdateDeployment: {
    scenario: 'a serverless update to another version, all at once',
    extra: { strategy: { kind: 'all-at-once', bakeMinutes: 5 } },
    text: ['actor'],
    records: ['', 'strategy'],
    numbers: ['version', 'strategy.bakeMinutes'],
  },
  RollbackDeployment: { scenario: 'a rollback in service: the previous version again, all at once', text: ['actor'], records: [''] },
  DeleteDeployment: { scenario: 'a deployment in service deleted', text: ['actor'], records: [''] },
  QueryDeployments: { scenario: 'deploymentHistory', records: [''], numbers: ['limit'] },
  DeploymentEvents: { scenario: 'a move of an alias a deployment follows', records: ['', 'detail'] },
  AdvanceDeployments: { scenario: 'an endpoint SageMaker brought into service', records: ['', 'detail'] },
};

/** `datasets[0].uri` -> `['datasets', 0, 'uri']`; '' is the event itself. */
const segmentsOf = (path: string): (string | number)[] =>
  path === '' ? [] : [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) => (match[2] === undefined ? match[1] : Number(match[2])));

/** A JSON copy of `event` (as the Lambda runtime parses it) with `value` at `path`, set as an own key even when it is `__proto__`. */
function withValue(event: unknown, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  const segments = segmentsOf(path);
  let target: any = copy;
  for (const segment of segments.slice(0, -1)) target = target[segment];
  Object.defineProperty(target, segments.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const joinPath = (record: string, key: string) => (record === '' ? key : `${record}.${key}`);

function scenarioOf(fn: EventFunction): HandlerScenario {
  const { scenario, extra = {} } = FIELDS[fn];
  const base = scenarioNamed(SCENARIOS[fn], scenario);
  return { ...base, event: { ...(base.event as object), ...extra } };
}

/** The commands that change something: anything but reads. */
const writesOf = (sent: readonly SentCommand[]) =>
  sent.map((command) => command.command).filter((name) => !/^(Get|Head|List|Query|BatchGet|Describe|Scan)/.test(name));

/** Every table and the platform's buckets, as a call leaves them. */
function stateOf(fakes: PlatformFakes) {
  const objects = (bucket: string) => Object.fromEntries(fakes.s3.keys(bucket).map((key) => [key, fakes.s3.get(bucket, key)]));
  return {
    registry: fakes.registry.all(),
    experiments: fakes.experiments.all(),
    monitoring: fakes.monitoring.all(),
    images: fakes.images.all(),
    deployments: fakes.deployments.all(),
    hosting: { models: fakes.sageMaker.models, endpointConfigs: fakes.sageMaker.endpointConfigs, endpoints: fakes.sageMaker.endpoints },
    alarms: fakes.alarms.alarms,
    artifactBucket: objects(FUNCTION_ENVIRONMENT.ARTIFACT_BUCKET_NAME),
    monitoringBucket: objects(FUNCTION_ENVIRONMENT.MONITORING_BUCKET_NAME),
  };
}

/** Runs the function on `event` from the scenario's arranged state: what it threw, the writes it sent, the state before and after. */
async function attempt(fn: EventFunction, event: unknown) {
  const scenario = scenarioOf(fn);
  const fakes = resetSdkMocks();
  await scenario.arrange?.(fakes);
  const before = stateOf(fakes);
  clearSentCommands();
  const error = await invoke(fn, event).then(
    () => undefined,
    (thrown: Error) => thrown,
  );
  return { error, writes: writesOf(sentCommands()), fakes, before, after: stateOf(fakes) };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type RefusedCase = readonly [EventFunction, string, unknown];

const unstorableNumberCases: RefusedCase[] = Object.entries(FIELDS).flatMap(([fn, fields]) =>
  (fields.numbers ?? []).flatMap((path) => UNSTORABLE_NUMBERS.map((value): RefusedCase => [fn as EventFunction, path, value])),
);
const prototypeKeyCases: RefusedCase[] = Object.entries(FIELDS).flatMap(([fn, fields]) =>
  fields.records.flatMap((record) => [{ polluted: true }, 'value'].map((value): RefusedCase => [fn as EventFunction, joinPath(record, '__proto__'), value])),
);
const controlCharacterCases: RefusedCase[] = Object.entries(FIELDS).flatMap(([fn, fields]) =>
  (fields.text ?? []).flatMap((path) => CONTROL_TEXT.map((value): RefusedCase => [fn as EventFunction, path, value])),
);

describe('hostile payloads, every function', () => {
  afterAll(() => {
    resetSdkMocks();
  });

  it.each(Object.keys(FIELDS) as EventFunction[])('%s: the scenario each case starts from gets past validation', async (fn) => {
    const { error } = await attempt(fn, scenarioOf(fn).event);

    // RegisterImage's inputs may be refused by their own checks (the artifact bucket's prefixes): not by a field made hostile here.
    expect(error?.name).not.toBe('InternalError');
    if (fn !== 'RegisterImage') expect(error).toBeUndefined();
  });

  describe.each([
    ['a number DynamoDB cannot store', unstorableNumberCases],
    ['a __proto__ key', prototypeKeyCases],
    ['a control character', controlCharacterCases],
  ] as const)('%s', (_, cases) => {
    it.each(cases)('%s: refuses %s = %p with its path, writing nothing', async (fn, path, value) => {
      const event = withValue(scenarioOf(fn).event, path, value);

      const { error, writes, before, after } = await attempt(fn, event);

      expect(error).toBeDefined();
      expect(['ValidationError', 'NotFoundError']).toContain(error!.name);
      expect(error!.message).toMatch(new RegExp(`(^|; )${escapeRegExp(path)}: `));
      expect(writes).toEqual([]);
      expect(after).toEqual(before);
    });
  });
});

describe('internal functions classify references to what does not exist', () => {
  it.each([
    ['CheckDrift', 'config.capture.bucket', { bucket: 'no-such-capture-bucket', prefix: 'collected/churn-prod/' }],
    ['SketchCaptureChunk', 'chunk.keys[0]', undefined],
  ] as const)('%s: refuses a missing %s with its path, writing nothing', async (fn, path, capture) => {
    const base = scenarioOf(fn).event as Record<string, any>;
    const event =
      fn === 'CheckDrift'
        ? withValue(base, 'config.capture', capture)
        : withValue(base, 'chunk.keys', ['collected/churn-prod/2026/06/01/11/no-such-file.jsonl', ...base.chunk.keys]);

    const { error, writes, before, after } = await attempt(fn, event);

    expect(error?.name).toBe('ValidationError');
    expect(error!.message).toMatch(new RegExp(`^${escapeRegExp(path)}: `));
    expect(writes).toEqual([]);
    expect(after).toEqual(before);
  });
});

describe('names a plain object resolves through its prototype are ordinary keys', () => {
  const recordCases = PROTOTYPE_NAMES.flatMap(
    (name) =>
      [
        ['RegisterModel', 'metrics', name, 0.5],
        ['RegisterModel', 'parameters', name, 'x'],
        ['RegisterModel', 'tags', name, 'x'],
        ['RegisterModel', 'properties', name, 'x'],
        ['StartRun', 'params', name, 'x'],
        ['StartRun', 'tags', name, 'x'],
        ['LogMetrics', 'params', name, 'x'],
        ['LogMetrics', 'tags', name, 'x'],
      ] as const,
  );

  it.each(recordCases)('%s stores %s.%s and reads it back', async (fn, record, name, value) => {
    const { error, fakes } = await attempt(fn, withValue(scenarioOf(fn).event, `${record}.${name}`, value));

    expect(error).toBeUndefined();
    const stored =
      fn === 'RegisterModel'
        ? fakes.registry.get(registryKeys.version('churn', 1))
        : fn === 'StartRun'
          ? fakes.experiments.all().find((item) => item.runId)
          : fakes.experiments.get(trackingKeys.run(RUN_ID));
    expect(Object.hasOwn(stored![record], name)).toBe(true);
    expect(stored![record][name]).toBe(value);
  });

  it.each(PROTOTYPE_NAMES)('LogMetrics stores a metric named %s with its summary', async (name) => {
    const { error, fakes } = await attempt('LogMetrics', withValue(scenarioOf('LogMetrics').event, 'metrics[0].name', name));

    expect(error).toBeUndefined();
    const run = fakes.experiments.get(trackingKeys.run(RUN_ID))!;
    expect(Object.hasOwn(run.metrics, name)).toBe(true);
    expect(run.metrics[name]).toMatchObject({ last: 0.5, count: 1 });
  });

  it('LogMetrics keeps a param named constructor write-once against the run it was stored on', async () => {
    const scenario = scenarioOf('LogMetrics');
    const arrange = (fakes: PlatformFakes) => fakes.experiments.put(runItems.run({ params: { constructor: 'x' } }));

    const error = await runScenario('LogMetrics', { ...scenario, arrange, event: withValue(scenario.event, 'params.constructor', 'y') }).then(
      () => undefined,
      (thrown: Error) => thrown,
    );

    expect(error?.name).toBe('ConflictError');
    expect(error?.message).toBe('params.constructor: is "x" already, not "y" (params are write-once)');
  });
});
