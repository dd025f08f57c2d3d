/**
 * Scenarios that together drive every code path of the experiment-tracking handlers that sends an
 * SDK call (run by the handler tests and by the IAM coverage test), and the tracking items they
 * start from, laid out as `lambda/experiments/adapters/table-keys.ts` says.
 */

import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, RUNNING } from '../../../../lambda/experiments/adapters/table-keys';
import type { MetricSummary, RunRecord } from '../../../../lambda/experiments/core/model';
import { runRecord } from '../../../support/run-record';
import type { HandlerScenario, HandlerScenarios } from '../../handler-support/scenarios';
import { cloudWatchMock, dynamoMock, type ExperimentFunction, type FakeTable, FUNCTION_ENVIRONMENT, invoke } from '../../handler-support/sdk-mocks';

export const TABLE_NAME = FUNCTION_ENVIRONMENT.EXPERIMENTS_TABLE_NAME;
export const NAMESPACE = FUNCTION_ENVIRONMENT.RUN_METRICS_NAMESPACE;
export const CRASH_AFTER_MS = Number(FUNCTION_ENVIRONMENT.CRASH_AFTER_SECONDS) * 1000;

export const EXPERIMENT = 'churn-training';
export const RUN_ID = '0123456789abcdef0123456789abcdef';
export const OTHER_RUN_ID = 'fedcba9876543210fedcba9876543210';

/** An instant `minutes` before now: the handlers read the system clock, so tracking times are relative to it. */
export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** A summary of a metric logged `count` times, last at `last`. */
export const summary = (last: number, count = 1): MetricSummary => ({
  last,
  lastStep: count - 1,
  lastTimestamp: Date.parse(minutesAgo(5)),
  min: last,
  max: last,
  count,
});

/** The items the DynamoDB adapter writes. */
export const items = {
  experiment: (name: string, runCount: number) => ({
    ...keys.experiment(name),
    ...keys.experimentIndex(name),
    name,
    createdAt: '2025-05-01T09:00:00.000Z',
    lastRunAt: '2025-05-20T09:00:00.000Z',
    runCount,
  }),
  /** A run, listed in its experiment, and in the running index while it runs (its heartbeat a minute ago by default). */
  run: (overrides: Partial<RunRecord> = {}) => {
    const record = runRecord({
      runId: RUN_ID,
      experiment: EXPERIMENT,
      runName: `${EXPERIMENT}-1`,
      startTime: minutesAgo(30),
      heartbeatAt: minutesAgo(1),
      ...overrides,
    });
    return {
      ...keys.run(record.runId),
      ...keys.runIndex(record.experiment, record.startTime, record.runId),
      ...(record.status === RUNNING ? { gsi2pk: RUNNING, gsi2sk: record.heartbeatAt } : {}),
      ...record,
      fingerprint: 'f'.repeat(64),
    };
  },
  /** The points one batch logged for a metric. */
  history: (runId: string, metric: string, revision: number, points: readonly { step: number; value: number }[]) => ({
    ...keys.history(runId, metric, revision),
    steps: points.map((point) => point.step),
    values: points.map((point) => point.value),
    timestamps: points.map(() => Date.parse(minutesAgo(5))),
  }),
};

/** Another caller's batch on the run, straight to the table: it moves the run to its next revision. */
export function logConcurrently(table: FakeTable, runId = RUN_ID): void {
  const run = table.get(keys.run(runId))!;
  table.put({ ...run, revision: run.revision + 1, heartbeatAt: minutesAgo(0), ...(run.gsi2pk ? { gsi2sk: minutesAgo(0) } : {}) });
}

const startRun = (overrides: Record<string, unknown> = {}) => ({ experiment: EXPERIMENT, params: { lr: '0.1' }, tags: { team: 'risk' }, ...overrides });

export const startRunScenarios: readonly HandlerScenario[] = [
  {
    name: 'a first run of a new experiment',
    event: startRun(),
    // The experiment's run counter, then the run.
    sends: ['UpdateCommand', 'PutCommand'],
  },
  {
    name: 'the next run of an existing experiment',
    arrange: ({ experiments }) => experiments.put(items.experiment(EXPERIMENT, 2)),
    event: startRun({ runName: 'baseline', gitCommit: 'abc1234', command: 'python train.py', actor: 'alice' }),
    sends: ['UpdateCommand', 'PutCommand'],
  },
  {
    name: 'a new client token',
    event: startRun({ clientToken: 'pipeline-run-42' }),
    // The run its id derives from is looked up first.
    sends: ['GetCommand', 'UpdateCommand', 'PutCommand'],
  },
  {
    name: 'a replayed client token',
    arrange: async () => {
      await invoke('StartRun', startRun({ clientToken: 'pipeline-run-42' }));
    },
    event: startRun({ clientToken: 'pipeline-run-42' }),
    // The run, then the fingerprint of the request that created it.
    sends: ['GetCommand', 'GetCommand'],
  },
  {
    name: 'a client token taken by a concurrent identical call',
    arrange: ({ experiments }) => {
      // An identical call creates the run between this call's lookup and its write.
      experiments.interleaveBeforeNextPut((input) => experiments.put({ ...input.Item, runNumber: 7, runName: `${EXPERIMENT}-7` }));
    },
    event: startRun({ clientToken: 'pipeline-run-42' }),
    sends: ['GetCommand', 'UpdateCommand', 'PutCommand', 'GetCommand', 'GetCommand'],
  },
];

const batch = (overrides: Record<string, unknown> = {}) => ({
  runId: RUN_ID,
  metrics: [
    { name: 'loss', value: 0.5, step: 1 },
    { name: 'loss', value: 0.4, step: 2 },
    { name: 'accuracy', value: 0.8, step: 2 },
  ],
  params: { lr: '0.1' },
  tags: { phase: 'train' },
  ...overrides,
});

// A batch reads the run, writes it with the batch's history in one transaction, then sends the points to CloudWatch.
const BATCH = ['GetCommand', 'TransactWriteCommand', 'PutMetricDataCommand'];

export const logMetricsScenarios: readonly HandlerScenario[] = [
  {
    name: 'a batch of metrics, params and tags',
    arrange: ({ experiments }) => experiments.put(items.run()),
    event: batch(),
    sends: BATCH,
  },
  {
    name: 'a batch with a new batch id',
    arrange: ({ experiments }) => experiments.put(items.run()),
    event: batch({ batchId: 'batch-1' }),
    sends: BATCH,
  },
  {
    name: 'params and tags only, no metrics',
    arrange: ({ experiments }) => experiments.put(items.run()),
    event: batch({ metrics: [] }),
    sends: ['GetCommand', 'TransactWriteCommand'],
  },
  {
    name: 'points too old for CloudWatch, kept in the history only',
    arrange: ({ experiments }) => experiments.put(items.run()),
    event: batch({ metrics: [{ name: 'loss', value: 0.5, step: 1, timestamp: Date.parse(minutesAgo(20 * 24 * 60)) }] }),
    sends: ['GetCommand', 'TransactWriteCommand'],
  },
  {
    name: 'a batch reviving a crashed run',
    arrange: ({ experiments }) =>
      experiments.put(items.run({ status: 'CRASHED', heartbeatAt: minutesAgo(30), endTime: minutesAgo(30), reason: 'no heartbeat', revision: 2 })),
    event: batch(),
    sends: BATCH,
  },
  {
    name: 'CloudWatch refusing the points',
    arrange: ({ experiments }) => {
      experiments.put(items.run());
      cloudWatchMock.on(PutMetricDataCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    },
    event: batch(),
    sends: BATCH,
  },
  {
    name: 'a lost race with a concurrent batch',
    arrange: ({ experiments }) => {
      experiments.put(items.run());
      // Another batch moves the run on between this call's read and its transaction, whose revision condition fails.
      experiments.interleaveBeforeNextTransaction(() => logConcurrently(experiments));
    },
    event: batch(),
    sends: ['GetCommand', 'TransactWriteCommand', 'GetCommand', 'TransactWriteCommand', 'PutMetricDataCommand'],
  },
  {
    name: 'a replayed batch id',
    arrange: async ({ experiments }) => {
      experiments.put(items.run());
      await invoke('LogMetrics', batch({ batchId: 'batch-1' }));
    },
    event: batch({ batchId: 'batch-1' }),
    // The transaction is cancelled on the receipt; the receipt and the run are read to answer as the first call did.
    sends: ['GetCommand', 'TransactWriteCommand', 'GetCommand', 'GetCommand'],
  },
  {
    name: 'a replayed batch id on a run ended since',
    arrange: async ({ experiments }) => {
      experiments.put(items.run());
      await invoke('LogMetrics', batch({ batchId: 'batch-1' }));
      experiments.put({ ...experiments.get(keys.run(RUN_ID))!, status: 'COMPLETED', endTime: minutesAgo(0), gsi2pk: undefined, gsi2sk: undefined });
    },
    event: batch({ batchId: 'batch-1' }),
    sends: ['GetCommand', 'GetCommand', 'GetCommand'],
  },
];

export const endRunScenarios: readonly HandlerScenario[] = [
  {
    name: 'a running run completed',
    arrange: ({ experiments }) => experiments.put(items.run()),
    event: { runId: RUN_ID, status: 'COMPLETED' },
    sends: ['GetCommand', 'UpdateCommand'],
  },
  {
    name: 'a failed run with its reason',
    arrange: ({ experiments }) => experiments.put(items.run()),
    event: { runId: RUN_ID, status: 'FAILED', reason: 'exit code 137' },
    sends: ['GetCommand', 'UpdateCommand'],
  },
  {
    name: 'a crashed run ended by its owner',
    arrange: ({ experiments }) => experiments.put(items.run({ status: 'CRASHED', endTime: minutesAgo(20), reason: 'no heartbeat since then', revision: 3 })),
    event: { runId: RUN_ID, status: 'COMPLETED' },
    sends: ['GetCommand', 'UpdateCommand'],
  },
  {
    name: 'an end retried with the same status',
    arrange: ({ experiments }) => experiments.put(items.run({ status: 'COMPLETED', endTime: minutesAgo(1), revision: 1 })),
    event: { runId: RUN_ID, status: 'COMPLETED' },
    sends: ['GetCommand'],
  },
  {
    name: 'a lost race with a concurrent batch',
    arrange: ({ experiments }) => {
      experiments.put(items.run());
      experiments.interleaveBeforeNextUpdate(() => logConcurrently(experiments));
    },
    event: { runId: RUN_ID, status: 'KILLED' },
    sends: ['GetCommand', 'UpdateCommand', 'GetCommand', 'UpdateCommand'],
  },
];

/** Two runs of the experiment (one running with a loss history over 30 batches, one failed) and one of another. */
export function trackedRuns(table: FakeTable): void {
  const history = Array.from({ length: 30 }, (_, n) =>
    items.history(RUN_ID, 'loss', n + 1, [
      { step: 2 * n, value: 1 / (2 * n + 1) },
      { step: 2 * n + 1, value: 1 / (2 * n + 2) },
    ]),
  );
  table.put(
    items.experiment(EXPERIMENT, 2),
    items.experiment('fraud-training', 1),
    items.run({ metrics: { loss: summary(1 / 60, 60) }, revision: 30 }),
    items.run({ runId: OTHER_RUN_ID, runName: `${EXPERIMENT}-2`, runNumber: 2, status: 'FAILED', startTime: minutesAgo(20), endTime: minutesAgo(10) }),
    items.run({ runId: 'abababababababababababababababab', experiment: 'fraud-training', runName: 'fraud-training-1' }),
    // Another metric whose name extends "loss": its history must not be read as the loss's.
    items.history(RUN_ID, 'loss_ema', 1, [{ step: 0, value: 9 }]),
    ...history,
  );
}

export const queryRunsScenarios: readonly HandlerScenario[] = [
  {
    name: 'getRun',
    arrange: ({ experiments }) => trackedRuns(experiments),
    event: { query: 'getRun', runId: RUN_ID },
    sends: ['GetCommand'],
  },
  {
    name: 'getRuns, in the order asked',
    arrange: ({ experiments }) => trackedRuns(experiments),
    event: { query: 'getRuns', runIds: [OTHER_RUN_ID, RUN_ID] },
    sends: ['BatchGetCommand'],
  },
  {
    name: 'listRuns of an experiment',
    arrange: ({ experiments }) => trackedRuns(experiments),
    event: { query: 'listRuns', experiment: EXPERIMENT },
    sends: ['QueryCommand'],
  },
  {
    name: 'listRuns of an experiment by status',
    arrange: ({ experiments }) => trackedRuns(experiments),
    event: { query: 'listRuns', experiment: EXPERIMENT, status: 'FAILED' },
    sends: ['QueryCommand'],
  },
  {
    name: 'listExperiments',
    arrange: ({ experiments }) => trackedRuns(experiments),
    event: { query: 'listExperiments', limit: 1 },
    sends: ['QueryCommand'],
  },
  {
    name: 'metricHistory, read over two query pages',
    arrange: ({ experiments }) => {
      trackedRuns(experiments);
      // As when the history items fill DynamoDB's 1 MB pages.
      experiments.capQueryPages(20);
    },
    event: { query: 'metricHistory', runId: RUN_ID, metric: 'loss' },
    // The run (does it have the metric?), then its history items, a page at a time.
    sends: ['GetCommand', 'QueryCommand', 'QueryCommand'],
  },
];

/** A run whose heartbeat stopped long before the sweep's cutoff, and one that beats. */
export function silentAndLiveRuns(table: FakeTable): void {
  table.put(
    items.run({ heartbeatAt: minutesAgo(60), revision: 4 }),
    items.run({ runId: OTHER_RUN_ID, runName: `${EXPERIMENT}-2`, runNumber: 2, heartbeatAt: minutesAgo(1) }),
  );
}

const scheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2025-06-01T12:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/SweepSchedule'],
  detail: {},
};

export const sweepRunsScenarios: readonly HandlerScenario[] = [
  {
    name: 'a silent run declared crashed',
    arrange: ({ experiments }) => silentAndLiveRuns(experiments),
    event: scheduledEvent,
    // Silent runs from the running index, each read and ended, then the runs still running counted.
    sends: ['QueryCommand', 'GetCommand', 'UpdateCommand', 'QueryCommand'],
  },
  {
    name: 'nothing silent',
    arrange: ({ experiments }) => experiments.put(items.run()),
    event: {},
    sends: ['QueryCommand', 'QueryCommand'],
  },
  {
    name: 'silent runs over several index pages',
    arrange: ({ experiments }) => {
      silentAndLiveRuns(experiments);
      experiments.put(
        items.run({ runId: 'abababababababababababababababab', heartbeatAt: minutesAgo(45) }),
        items.run({ runId: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', heartbeatAt: minutesAgo(2) }),
      );
      // One run a page, as when the index pages are full.
      experiments.capQueryPages(1);
    },
    event: scheduledEvent,
    sends: ['QueryCommand', 'GetCommand', 'UpdateCommand', 'QueryCommand', 'GetCommand', 'UpdateCommand', 'QueryCommand', 'QueryCommand'],
  },
  {
    name: 'a run the index lists as silent that has beaten since',
    arrange: ({ experiments }) => {
      experiments.put(items.run());
      // The index is eventually consistent: it still holds the heartbeat before the last one.
      const stale = { ...keys.run(RUN_ID), gsi2pk: RUNNING, gsi2sk: minutesAgo(60) };
      dynamoMock
        .on(QueryCommand)
        .callsFakeOnce(async () => ({ Items: [stale], Count: 1 }))
        .callsFake(experiments.query);
    },
    event: scheduledEvent,
    sends: ['QueryCommand', 'GetCommand', 'QueryCommand'],
  },
  {
    name: 'a silent run that logs between the read and the end',
    arrange: ({ experiments }) => {
      silentAndLiveRuns(experiments);
      experiments.interleaveBeforeNextUpdate(() => logConcurrently(experiments));
    },
    event: scheduledEvent,
    sends: ['QueryCommand', 'GetCommand', 'UpdateCommand', 'QueryCommand'],
  },
];

/** The tracking functions' scenarios, for the IAM coverage test. */
export const experimentScenarios: HandlerScenarios<ExperimentFunction> = {
  StartRun: startRunScenarios,
  LogMetrics: logMetricsScenarios,
  EndRun: endRunScenarios,
  QueryRuns: queryRunsScenarios,
  SweepRuns: sweepRunsScenarios,
};
