import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DriftCheckInput } from './drift-check-runner';
import type { RunningMoto } from './emulators';
import { startEventRouter } from './event-router';
import type { BusEvent } from './event-rules';
import { eventRoutes } from './event-rules';
import { type CloudFormationTemplate, stateMachineArn } from './provision-from-template';
import type { LocalCredentials } from './sigv4-verifier';
import { startStepFunctionsStandIn } from './step-functions-stand-in';

/**
 * What carries the functions' events on, for the local platform: the EventBridge router (the template's bus rules
 * delivered to their functions) and the Step Functions stand-in (the drift check state machine run by the local
 * runner). Both listen before the functions are served, as their environments name them; what they call (the
 * functions, the runner) is bound once the functions are served.
 */

export interface EventStandInsOptions {
  readonly template: CloudFormationTemplate;
  /** The local name of each resource of the template (provisionFromTemplate). */
  readonly names: ReadonlyMap<string, string>;
  readonly moto: Pick<RunningMoto, 'endpoint' | 'credentials'>;
  /** The credentials whose signed requests are served: the functions' (moto's) and the descriptor's. */
  readonly credentials: readonly LocalCredentials[];
  /** One line per event delivered and execution ended. @default - none */
  readonly log?: (line: string) => void;
}

/** What the stand-ins call, once the functions are served. */
export interface ServedFunctions {
  /** Signed with credentials the Lambda endpoint accepts. */
  readonly lambda: LambdaClient;
  /** A function's local name from its logical id. */
  functionName(logicalId: string): string;
  /** Runs one drift check, as the state machine does. */
  runDriftCheck(input: DriftCheckInput): Promise<unknown>;
}

export interface EventStandIns {
  /** The functions' `AWS_ENDPOINT_URL_EVENTBRIDGE`. */
  readonly eventBridgeEndpoint: string;
  /** The functions' `AWS_ENDPOINT_URL_SFN`. */
  readonly stepFunctionsEndpoint: string;
  /** Starts delivering events and running executions to `functions`. */
  serve(functions: ServedFunctions): void;
  /** Stops both, once the deliveries and executions under way have ended. */
  stop(): Promise<void>;
}

export async function startEventStandIns(options: EventStandInsOptions): Promise<EventStandIns> {
  let served: ServedFunctions | undefined;
  const ready = () => {
    if (!served) throw new Error('the local functions are not served yet');
    return served;
  };
  // The platform's one state machine is the drift check (as scheduledDriftChecks reads the monitors' schedules).
  const stateMachines = [...options.names]
    .filter(([logicalId]) => options.template.Resources[logicalId].Type === 'AWS::StepFunctions::StateMachine')
    .map(([, name]) => [stateMachineArn(name), (input: unknown) => ready().runDriftCheck(input as DriftCheckInput)] as const);
  if (stateMachines.length > 1) throw new Error(`the local platform runs one state machine, the drift check; the template has ${stateMachines.length}`);

  const { routes, unrouted } = eventRoutes(options.template, options.names);
  for (const { ruleLogicalId, reason } of unrouted) options.log?.(`rule ${ruleLogicalId} is not routed locally: ${reason}`);
  const router = await startEventRouter({
    routes,
    credentials: options.credentials,
    moto: options.moto,
    deliver: async (functionLogicalId: string, event: BusEvent) => {
      const { lambda, functionName } = ready();
      await lambda.send(
        new InvokeCommand({ FunctionName: functionName(functionLogicalId), InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(event)) }),
      );
    },
    log: options.log,
  });
  const stepFunctions = await startStepFunctionsStandIn({ stateMachines: new Map(stateMachines), credentials: options.credentials, log: options.log }).catch(
    async (error: unknown) => {
      await router.stop();
      throw error;
    },
  );
  return {
    eventBridgeEndpoint: router.endpoint,
    stepFunctionsEndpoint: stepFunctions.endpoint,
    serve: (functions) => {
      served = functions;
    },
    stop: async () => {
      await Promise.all([router.stop(), stepFunctions.stop()]);
    },
  };
}
