/**
 * Experiment tracking's single-table layout. A run, its batch receipts and its metric history
 * share the run's partition; the history of one metric is one key-condition query.
 *
 *   pk          sk                          gsi1pk         gsi1sk                  gsi2pk    gsi2sk
 *   E#<name>    #EXPERIMENT (runCount)      EXPERIMENTS    <name>
 *   R#<runId>   #RUN                        E#<experiment> <startTime>#<runId>     RUNNING   <heartbeatAt>   (gsi2 only while running)
 *   R#<runId>   B#<batch id>                (expires after RECEIPT_TTL_DAYS)
 *   R#<runId>   M#<metric>#<revision>       the points one batch logged for the metric
 *   X#<id>      #EXPERIMENT-ID              (the name of the experiment with MLflow id <id>)
 *   L#<modelId> #LOGGED-MODEL               L#<experiment>  <created at>#<modelId>     (MLflow's logged models)
 *
 * Runs are also in the search index, `gsi3` (run-search-index.ts).
 * Metric names cannot hold `#`, so `M#<metric>#` prefixes exactly one metric's history.
 */
export const GSI1 = 'gsi1';
export const GSI2 = 'gsi2';
export const RECEIPT_TTL_DAYS = 30;
export const RUNNING = 'RUNNING';

const pad = (n: number) => String(n).padStart(10, '0');

export const keys = {
  experiment: (name: string) => ({ pk: `E#${name}`, sk: '#EXPERIMENT' }),
  experimentIndex: (name: string) => ({ gsi1pk: 'EXPERIMENTS', gsi1sk: name }),
  run: (runId: string) => ({ pk: `R#${runId}`, sk: '#RUN' }),
  runIndex: (experiment: string, startTime: string, runId: string) => ({ gsi1pk: `E#${experiment}`, gsi1sk: `${startTime}#${runId}` }),
  runsOf: (experiment: string) => `E#${experiment}`,
  runIdOf: (pk: string) => pk.slice(2),
  receipt: (runId: string, batchId: string) => ({ pk: `R#${runId}`, sk: `B#${batchId}` }),
  history: (runId: string, metric: string, revision: number) => ({ pk: `R#${runId}`, sk: `M#${metric}#${pad(revision)}` }),
  historyPrefix: (metric: string) => `M#${metric}#`,
  partition: (runId: string) => `R#${runId}`,
  experimentId: (id: string) => ({ pk: `X#${id}`, sk: '#EXPERIMENT-ID' }),
  loggedModel: (modelId: string) => ({ pk: `L#${modelId}`, sk: '#LOGGED-MODEL' }),
  loggedModelIndex: (experiment: string, createdAt: string, modelId: string) => ({ gsi1pk: `L#${experiment}`, gsi1sk: `${createdAt}#${modelId}` }),
  loggedModelsOf: (experiment: string) => `L#${experiment}`,
};
