import type { Template } from 'aws-cdk-lib/assertions';
import { deploymentsScenarios } from '../lambda/deployments/handlers/handler-scenarios';
import { experimentScenarios } from '../lambda/experiments/handlers/handler-scenarios';
import { BUCKET_KINDS, describeNeed, NAMED_RESOURCE_KINDS, TABLE_KINDS } from '../lambda/handler-support/iam-needs';
import { type HandlerScenarios, recordIamNeeds } from '../lambda/handler-support/scenarios';
import { FUNCTION_ENVIRONMENT, type PlatformFunctionName, TEST_ACCOUNT, TEST_REGION } from '../lambda/handler-support/sdk-mocks';
import { imagesScenarios } from '../lambda/images/handlers/handler-scenarios';
import { mlflowScenarios } from '../lambda/mlflow/handlers/handler-scenarios';
import { monitoringScenarios } from '../lambda/monitoring/handlers/handler-scenarios';
import { registryScenarios } from '../lambda/registry/handlers/handler-scenarios';
import { actionsOf, iamStatements, platformApp } from '../support/platform-app';

/**
 * Each function's role must allow every AWS call its handler tests saw it send, on the right
 * resource and under the right condition, and nothing else beyond what the Lambda runtime itself
 * needs (its log group, X-Ray). Resources are told apart the way the handlers find them: by the
 * environment variable that names them to the function.
 */
const RUNTIME_GRANTS = ['logs:CreateLogStream on log-group', 'logs:PutLogEvents on log-group', 'xray:PutTelemetryRecords on *', 'xray:PutTraceSegments on *'];

/** Every platform function's scenarios: a function added without them fails to compile here. */
const SCENARIOS: HandlerScenarios = {
  ...registryScenarios,
  ...experimentScenarios,
  ...monitoringScenarios,
  ...imagesScenarios,
  ...mlflowScenarios,
  ...deploymentsScenarios,
};

/** The resource types a function is told the name (or, for a role, the ARN) of by an environment variable, and told apart by it. */
const NAMED_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::ECR::Repository',
  'AWS::CodeBuild::Project',
  'AWS::IAM::Role',
  'AWS::StepFunctions::StateMachine',
];

type Intrinsic = { 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]]; Ref?: string };
type Resource = { Type: string; Properties: Record<string, any> };

function platformFunctions(template: Template): Map<string, Resource> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
  return new Map(
    functions.flatMap((fn) =>
      fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME ? [[fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string, fn]] : [],
    ),
  );
}

/** Each table's, bucket's, repository's, project's, role's and state machine's logical id to its kind, by the environment variable any function receives its name (or ARN) in. */
function resourceKinds(template: Template): Map<string, string> {
  const variableKinds: Record<string, string> = {
    ...TABLE_KINDS,
    ...Object.fromEntries(Object.entries(BUCKET_KINDS).map(([variable, { kind }]) => [variable, kind])),
    ...NAMED_RESOURCE_KINDS,
  };
  const kinds = new Map<string, string>();
  for (const fn of platformFunctions(template).values()) {
    for (const [variable, kind] of Object.entries(variableKinds)) {
      const reference = fn.Properties.Environment.Variables[variable] as Intrinsic | undefined;
      const logicalId = reference?.Ref ?? reference?.['Fn::GetAtt']?.[0];
      if (logicalId) kinds.set(logicalId, kind);
    }
  }
  return kinds;
}

/** `arn:aws:<service>:<region>:<account>:<resource>` of the test stack's own account and region, as `<service>:<resource>`. */
const ACCOUNT_ARN = new RegExp(`^arn:aws:([a-z0-9-]+):${TEST_REGION}:${TEST_ACCOUNT}:(.+)$`);

/**
 * Names a policy resource by what it is: a table or its index, a bucket or objects under a key
 * prefix of it, another resource named to a function (a repository, a build project), the bus, a
 * log group, or resources of the stack's account and region by pattern (`ecr:repository/*`).
 */
function resourceKind(template: Template, resource: unknown): string {
  if (resource === '*') return '*';
  if (typeof resource === 'string') {
    const arn = ACCOUNT_ARN.exec(resource);
    if (arn) return `${arn[1]}:${arn[2]}`;
  }
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const kindOf = (logicalId: string) => {
    const type = resources[logicalId].Type;
    if (NAMED_TYPES.includes(type)) {
      const kind = resourceKinds(template).get(logicalId);
      if (!kind) throw new Error(`${type} ${logicalId} is named to no function by a variable of TABLE_KINDS, BUCKET_KINDS or NAMED_RESOURCE_KINDS`);
      return kind;
    }
    const kinds: Record<string, string> = { 'AWS::Events::EventBus': 'event-bus', 'AWS::Logs::LogGroup': 'log-group' };
    if (!kinds[type]) throw new Error(`unrecognised policy resource type ${type}`);
    return kinds[type];
  };
  const { 'Fn::GetAtt': getAtt, 'Fn::Join': join, Ref: ref } = resource as Intrinsic;
  if (getAtt) return kindOf(getAtt[0]);
  // A state machine's Ref is its ARN.
  if (ref && resources[ref]?.Type === 'AWS::StepFunctions::StateMachine') return kindOf(ref);
  if (join) {
    const [base, suffix] = join[1] as [Intrinsic, string];
    const logicalId = base['Fn::GetAtt']![0];
    if (resources[logicalId].Type === 'AWS::S3::Bucket' && suffix.startsWith('/')) return `${kindOf(logicalId)}${suffix}`;
    const baseKind = kindOf(logicalId);
    const index = /^\/index\/([\w.-]+)$/.exec(suffix);
    if (index && Object.values(TABLE_KINDS).includes(baseKind as never)) return `${baseKind}/index/${index[1]}`;
  }
  throw new Error(`unrecognised policy resource ${JSON.stringify(resource)}`);
}

/**
 * A statement's conditions as the needs write them, its values named by the function's variable
 * that holds them; a test of several values (any of which passes) gives one condition per value.
 */
function conditionsOf(condition: Record<string, Record<string, unknown>> | undefined, environment: Record<string, unknown>): (string | undefined)[] {
  if (condition === undefined) return [undefined];
  const named = (value: unknown) => {
    const variable = Object.keys(FUNCTION_ENVIRONMENT).find((name) => environment[name] === value);
    return variable ? `$${variable}` : JSON.stringify(value);
  };
  const tests = Object.entries(condition).flatMap(([operator, keyed]) =>
    Object.entries(keyed).map(([key, values]) => [values].flat().map((value) => `${operator} ${key} = ${named(value)}`)),
  );
  return tests.reduce<string[]>(
    (combined, alternatives) => combined.flatMap((prefix) => alternatives.map((test) => (prefix ? `${prefix} AND ${test}` : test))),
    [''],
  );
}

function roleStatements(template: Template, functionName: PlatformFunctionName) {
  const fn = platformFunctions(template).get(functionName);
  if (!fn) throw new Error(`no function with the service name ${functionName}`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const statements = iamStatements(template).filter(({ policy }) => resources[policy].Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId));
  return { statements: statements.map(({ statement }) => statement), environment: fn.Properties.Environment.Variables as Record<string, unknown> };
}

function grantsOf(template: Template, functionName: PlatformFunctionName): string[] {
  const { statements, environment } = roleStatements(template, functionName);
  const grants = statements.flatMap((statement) =>
    actionsOf(statement).flatMap((action) =>
      [statement.Resource]
        .flat()
        .flatMap((resource) =>
          conditionsOf(statement.Condition, environment).map((condition) =>
            describeNeed({ action, resource: resourceKind(template, resource) as never, condition }),
          ),
        ),
    ),
  );
  return [...new Set(grants)].sort();
}

describe('IAM coverage', () => {
  // The handler scenarios register an external image of team/fraud-serving (FUNCTION_ENVIRONMENT.EXTERNAL_IMAGE_REPOSITORIES).
  const { template, stack } = platformApp({ externalImageRepositories: ['team/*'] });

  test('every platform function has handler scenarios', () => {
    expect([...platformFunctions(template).keys()].sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  test.each(Object.keys(SCENARIOS) as PlatformFunctionName[])("%s's role allows exactly the calls its handler tests send", async (functionName) => {
    const needed = (await recordIamNeeds(functionName, SCENARIOS[functionName])).map(describeNeed);

    const granted = grantsOf(template, functionName);

    expect(granted).toEqual([...new Set([...needed, ...RUNTIME_GRANTS])].sort());
  });

  test("holds LogMetrics' PutMetricData to the run metrics namespace its handler sends to", async () => {
    const { statements, environment } = roleStatements(template, 'LogMetrics');
    const sent = (await recordIamNeeds('LogMetrics', SCENARIOS.LogMetrics)).filter((need) => need.action === 'cloudwatch:PutMetricData');

    const putMetricData = statements.filter((statement) => actionsOf(statement).includes('cloudwatch:PutMetricData'));

    expect(putMetricData).toEqual([
      expect.objectContaining({
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': stack.experiments.runMetricsNamespace } },
      }),
    ]);
    expect(environment.RUN_METRICS_NAMESPACE).toBe(stack.experiments.runMetricsNamespace);
    expect(sent).toEqual([{ action: 'cloudwatch:PutMetricData', resource: '*', condition: 'StringEquals cloudwatch:namespace = $RUN_METRICS_NAMESPACE' }]);
  });
});
