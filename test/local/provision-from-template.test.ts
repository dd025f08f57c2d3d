import { functionEnvironment } from '../../local/provision-from-template';

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
