import type { Template } from 'aws-cdk-lib/assertions';
import { type IamResource, recordIamNeeds, type RegistryFunction } from '../lambda/registry/handlers/handler-scenarios';
import { actionsOf, iamStatements, platformApp } from '../support/platform-app';

/**
 * Each function's role must allow every AWS call its handler tests saw it send, on the right
 * resource, and nothing else beyond what the Lambda runtime itself needs (its log group, X-Ray).
 */
const RUNTIME_GRANTS = ['logs:CreateLogStream on log-group', 'logs:PutLogEvents on log-group', 'xray:PutTelemetryRecords on *', 'xray:PutTraceSegments on *'];

type Intrinsic = { 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };

/** Names a policy resource by what it is: the table, its index, the artifact bucket or its objects, the bus, a log group. */
function resourceKind(template: Template, resource: unknown): IamResource | 'log-group' | '*' {
  if (resource === '*') return '*';
  const typeOf = (logicalId: string) => template.toJSON().Resources[logicalId].Type as string;
  const { 'Fn::GetAtt': getAtt, 'Fn::Join': join } = resource as Intrinsic;
  if (getAtt) {
    const kinds: Record<string, IamResource | 'log-group'> = {
      'AWS::DynamoDB::Table': 'table',
      'AWS::S3::Bucket': 'bucket',
      'AWS::Events::EventBus': 'event-bus',
      'AWS::Logs::LogGroup': 'log-group',
    };
    return kinds[typeOf(getAtt[0])];
  }
  if (join) {
    const [base, suffix] = join[1] as [Intrinsic, string];
    const baseType = typeOf(base['Fn::GetAtt']![0]);
    if (baseType === 'AWS::S3::Bucket' && suffix === '/*') return 'object';
    if (baseType === 'AWS::DynamoDB::Table' && suffix.startsWith('/index/')) return 'index';
  }
  throw new Error(`unrecognised policy resource ${JSON.stringify(resource)}`);
}

function grantsOf(template: Template, functionName: RegistryFunction): string[] {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: functionName } } },
  });
  const [fn] = Object.values(functions);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const grants = iamStatements(template)
    .filter(({ policy }) => template.toJSON().Resources[policy].Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap(({ statement }) =>
      actionsOf(statement).flatMap((action) => [statement.Resource].flat().map((resource) => `${action} on ${resourceKind(template, resource)}`)),
    );
  return [...new Set(grants)].sort();
}

describe('IAM coverage', () => {
  const { template } = platformApp();

  test.each<RegistryFunction>(['RegisterModel', 'SetModelAlias', 'QueryRegistry'])(
    "%s's role allows exactly the calls its handler tests send",
    async (functionName) => {
      const needed = (await recordIamNeeds(functionName)).map(({ action, resource }) => `${action} on ${resource}`);

      const granted = grantsOf(template, functionName);

      expect(granted).toEqual([...new Set([...needed, ...RUNTIME_GRANTS])].sort());
    },
  );
});
