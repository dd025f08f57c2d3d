import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Config } from '../core/check-drift';
import type { DriftCheckStarter } from '../core/ports';

/** `churn-live-20261201T1300`: one execution name per monitor and window end (monitor names fit Step Functions' 80 characters with it). */
export const executionName = (monitor: string, windowEnd: string) => `${monitor}-${windowEnd.slice(0, 16).replace(/[-:]/g, '')}`;

/**
 * Starts the drift check state machine with the input the CDK monitors' schedules give it. The execution is named
 * by monitor and window, so a second start of a window is the first one: Step Functions answers a running one's
 * name with that execution, and a finished one's with ExecutionAlreadyExists.
 */
export class StepFunctionsDriftChecks implements DriftCheckStarter {
  constructor(
    private readonly stepFunctions: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(config: Config, windowEnd: string): Promise<void> {
    try {
      await this.stepFunctions.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName(config.monitor, windowEnd),
          input: JSON.stringify({ config, windowEnd }),
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }
}
