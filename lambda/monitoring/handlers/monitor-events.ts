import * as z from 'zod/mini';
import { stepFunctionsClient } from '../../shared/aws-clients';
import { readEnvironment, required } from '../../shared/environment';
import { createHandler } from '../../shared/handler';
import { StepFunctionsDriftChecks } from '../adapters/step-functions-drift-checks';
import { storedMonitorDependencies } from '../adapters/stored-monitor-dependencies';
import { handleMonitorEvent } from '../core/monitor-events';
import { MonitorEvent } from '../core/schemas';

const env = readEnvironment(z.object({ DRIFT_CHECK_STATE_MACHINE_ARN: required() }));

export const handler = createHandler(
  MonitorEvent,
  handleMonitorEvent({ ...storedMonitorDependencies(), checks: new StepFunctionsDriftChecks(stepFunctionsClient(), env.DRIFT_CHECK_STATE_MACHINE_ARN) }),
);
