import { type EmulatorClients, functionEnvironment, provisionFromTemplate } from '../../local/provision-from-template';

describe('functionEnvironment', () => {
  it("gives a role's ARN a local one: the SageMaker execution role the deployments pass on", () => {
    const template = {
      Resources: {
        ExecutionRole: { Type: 'AWS::IAM::Role', Properties: {} },
        NamedRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'mlops-execution' } },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Environment: {
              Variables: { EXECUTION_ROLE_ARN: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] }, NAMED_ROLE_ARN: { 'Fn::GetAtt': ['NamedRole', 'Arn'] } },
            },
          },
        },
      },
    };

    expect(functionEnvironment(template, 'Fn', new Map())).toEqual({
      EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/ExecutionRole',
      NAMED_ROLE_ARN: 'arn:aws:iam::123456789012:role/mlops-execution',
    });
  });
});

describe('provisionFromTemplate', () => {
  it("names a state machine without creating anything (the Step Functions stand-in serves it), and its Ref is a local state machine's ARN", async () => {
    const template = {
      Resources: {
        DriftCheck: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { DRIFT_CHECK_STATE_MACHINE_ARN: { Ref: 'DriftCheck' } } } } },
      },
    };
    const refuse = { send: () => Promise.reject(new Error('nothing is created for a state machine')) };
    const clients = { dynamodb: refuse, s3: refuse, eventBridge: refuse } as unknown as EmulatorClients;

    const names = await provisionFromTemplate(template, clients, 'mlops-local');

    expect([...names]).toEqual([['DriftCheck', 'mlops-local-driftcheck']]);
    expect(functionEnvironment(template, 'Fn', names)).toEqual({
      DRIFT_CHECK_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:mlops-local-driftcheck',
    });
  });
});
