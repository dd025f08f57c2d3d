/**
 * Step Functions behind the SFN client mock, as far as the platform starts executions: StartExecution of a name
 * not used before starts one; the same name with the same input answers that execution, with another input
 * `ExecutionAlreadyExists` (as a finished one's name does in Standard workflows).
 */
import { SFNServiceException, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import type { AwsStub } from 'aws-sdk-client-mock';

export interface FakeExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
}

export class FakeStepFunctions {
  private readonly started = new Map<string, FakeExecution>();

  serve(mock: AwsStub<any, any, any>): this {
    mock.on(StartExecutionCommand).callsFake(this.start);
    return this;
  }

  /** The executions started, in order. */
  get executions(): readonly FakeExecution[] {
    return [...this.started.values()];
  }

  private readonly start = async (input: StartExecutionCommandInput) => {
    const key = `${input.stateMachineArn}/${input.name}`;
    const executionArn = `${input.stateMachineArn!.replace(':stateMachine:', ':execution:')}:${input.name}`;
    const existing = this.started.get(key);
    if (existing && JSON.stringify(existing.input) !== input.input) {
      throw new SFNServiceException({
        name: 'ExecutionAlreadyExists',
        message: `Execution Already Exists: '${executionArn}'`,
        $fault: 'client',
        $metadata: {},
      });
    }
    this.started.set(key, { stateMachineArn: input.stateMachineArn!, name: input.name!, input: JSON.parse(input.input ?? 'null') });
    return { executionArn, startDate: new Date('2026-06-01T12:00:00.000Z') };
  };
}
