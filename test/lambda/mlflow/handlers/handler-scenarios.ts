/**
 * The MlflowApi function's handler scenarios, which the IAM coverage test (test/lib/iam-coverage.test.ts)
 * runs to compare what the handler sends with the role `MlflowApi` (lib/mlflow/mlflow-api.ts) grants.
 * None yet: the handler's tests add one per code path that sends an SDK call, and until then the coverage
 * test fails for MlflowApi, saying it has no scenarios.
 */
import type { HandlerScenarios } from '../../handler-support/scenarios';
import type { MlflowFunction } from '../../handler-support/sdk-mocks';

export const mlflowScenarios: HandlerScenarios<MlflowFunction> = { MlflowApi: [] };
