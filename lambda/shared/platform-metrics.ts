/**
 * The CloudWatch namespace of the platform's own metrics (`RunsStarted`, `ModelVersionsRegistered`,
 * ...). Handlers publish into it through Powertools, which reads it from
 * `POWERTOOLS_METRICS_NAMESPACE`; the constructs set that variable and build their metrics and
 * dashboards from this constant, so both sides name one namespace. Here, not in `lib/`, because
 * `lambda/` must not import `lib/`.
 */
export const PLATFORM_METRICS_NAMESPACE = 'MlopsPlatform';

/** The metrics the functions publish into it, each with Powertools' `service` dimension (the function's id). */
export const PLATFORM_METRICS = {
  /** RegisterModel: a version registered. */
  modelVersionsRegistered: 'ModelVersionsRegistered',
  /** SetModelAlias: an alias moved. */
  modelAliasMoves: 'ModelAliasMoves',
  /** StartRun: a run started. */
  runsStarted: 'RunsStarted',
  /** EndRun, and SweepRuns for `CRASHED`: runs ended. Dimension: status. */
  runsEnded: 'RunsEnded',
  /** SweepRuns: runs running at each sweep. */
  runsInProgress: 'RunsInProgress',
  /** AdvanceDeployments: deployments whose step failed in a run (the next run tries them again). */
  deploymentStepsFailed: 'DeploymentStepsFailed',
} as const;
