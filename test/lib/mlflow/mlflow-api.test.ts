import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MLFLOW_API_PREFIX, MLFLOW_ROUTES, MLFLOW_UNSUPPORTED_PREFIXES } from '../../../lambda/mlflow/core/routes';
import { MlflowApi, type MlflowApiProps, type PlatformFunction } from '../../../lib';
import { testApp } from '../../support/platform-app';
import { shapeTemplate } from '../../support/synth/shape-templates';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The route keys of every route of `template` that does not require IAM authorization. */
function routesWithoutIam(template: Template): string[] {
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
  return routes.filter((route) => route.Properties.AuthorizationType !== 'AWS_IAM').map((route) => route.Properties.RouteKey as string);
}

/** An MlflowApi over its own tables, bucket and bus, with a reader and a writer role granted through it. */
function mlflowStack(props: Partial<MlflowApiProps> = {}, { withKey = false, extend = (_mlflow: MlflowApi) => {} } = {}) {
  const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const encryptionKey = withKey ? new kms.Key(stack, 'Key') : undefined;
  const partitionKey = { name: 'pk', type: dynamodb.AttributeType.STRING };
  const experimentsTable = new dynamodb.Table(stack, 'Experiments', { partitionKey });
  const registryTable = new dynamodb.Table(stack, 'Registry', { partitionKey });
  const artifactBucket = new s3.Bucket(stack, 'Artifacts');
  const eventBus = new events.EventBus(stack, 'Bus');
  const mlflow = new MlflowApi(stack, 'Mlflow', { experimentsTable, registryTable, artifactBucket, eventBus, encryptionKey, ...props });
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
  mlflow.grantMlflowRead(reader);
  mlflow.grantMlflowWrite(writer);
  extend(mlflow);
  const template = Template.fromStack(stack);

  /** Names the test stack's resources in policies: `<api>`, `<artifacts>`, `<experiments-table>`, ... */
  const labels = new Map<string, string>([
    [stack.getLogicalId(mlflow.api.node.defaultChild as apigwv2.CfnApi), 'api'],
    [stack.getLogicalId(artifactBucket.node.defaultChild as s3.CfnBucket), 'artifacts'],
    [stack.getLogicalId(experimentsTable.node.defaultChild as dynamodb.CfnTable), 'experiments-table'],
    [stack.getLogicalId(registryTable.node.defaultChild as dynamodb.CfnTable), 'registry-table'],
    [stack.getLogicalId(eventBus.node.defaultChild as events.CfnEventBus), 'bus'],
    [stack.getLogicalId((mlflow.functions.mlflowApi as PlatformFunction).logGroup.node.defaultChild as logs.CfnLogGroup), 'function-logs'],
  ]);
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const intrinsic = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
    if (intrinsic.Ref === 'AWS::Partition') return 'aws';
    if (intrinsic.Ref) return `<${labels.get(intrinsic.Ref) ?? intrinsic.Ref}>`;
    if (intrinsic['Fn::GetAtt']) return `<${labels.get(intrinsic['Fn::GetAtt'][0]) ?? intrinsic['Fn::GetAtt'][0]}>`;
    if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(text).join(intrinsic['Fn::Join'][0]);
    throw new Error(`unexpected policy value ${JSON.stringify(value)}`);
  };
  /** A role's statements, resources as text, each action apart: `execute-api:Invoke on arn:...`. */
  const grantsOf = (role: iam.IRole) => {
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
    return statements
      .flatMap((statement) =>
        [statement.Action]
          .flat()
          .flatMap((action) =>
            [statement.Resource]
              .flat()
              .map((resource) => `${action} on ${text(resource)}${statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''}`),
          ),
      )
      .sort();
  };
  return { stack, template, mlflow, reader, writer, grantsOf, encryptionKey };
}

/** `execute-api:Invoke` on a route of the test stack's API, as IAM reads it. */
const invoke = (method: string, path: string) => `execute-api:Invoke on arn:aws:execute-api:eu-west-1:123456789012:<api>/$default/${method}${path}`;
const routeGrants = (access: 'read' | 'write') =>
  MLFLOW_ROUTES.filter((route) => route.access === access).map((route) => invoke(route.method, `${MLFLOW_API_PREFIX}${route.path.replace(/\{\w+\}/g, '*')}`));
const unsupportedGrants = MLFLOW_UNSUPPORTED_PREFIXES.map((prefix) => invoke('*', `${prefix}*`));
const LISTING = ' if {"StringLike":{"s3:prefix":["mlflow/*"]}}';

describe('MlflowApi in the platform stack', () => {
  const template = shapeTemplate('default');

  test('routes every entry of MLFLOW_ROUTES, under the MLflow prefix, with IAM authorization', () => {
    for (const route of MLFLOW_ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${MLFLOW_API_PREFIX}${route.path}`,
        AuthorizationType: 'AWS_IAM',
      });
    }
  });

  test("routes each unsupported area, its prefix and what is under it, to the function, so MLflow's client gets MLflow's error codes", () => {
    for (const prefix of MLFLOW_UNSUPPORTED_PREFIXES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `ANY ${prefix}`, AuthorizationType: 'AWS_IAM' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `ANY ${prefix}/{proxy+}`, AuthorizationType: 'AWS_IAM' });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Route', MLFLOW_ROUTES.length + 2 * MLFLOW_UNSUPPORTED_PREFIXES.length + 1);
  });

  test("routes any other path ($default) to the function with IAM authorization, for MLflow's ENDPOINT_NOT_FOUND rather than API Gateway's 404", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'AWS_IAM' });
  });

  test('has no route without IAM authorization', () => {
    expect(routesWithoutIam(template)).toEqual([]);
  });

  test('publishes the API URL as the MlflowApiUrl output and the mlflow/api-url SSM parameter', () => {
    const [apiId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'));
    const url = { 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/']] };

    template.hasOutput('MlflowApiUrl', { Value: url });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/mlops-platform/MlopsPlatform/mlflow/api-url', Type: 'String', Value: url });
  });
});

describe('MlflowApi', () => {
  const { stack, template, mlflow, reader, writer, grantsOf } = mlflowStack();

  test('the route check finds a route without IAM authorization', () => {
    const open = mlflowStack(
      {},
      {
        extend: (api) =>
          api.api.addRoutes({
            path: '/open',
            methods: [apigwv2.HttpMethod.GET],
            integration: new HttpLambdaIntegration('Open', api.functions.mlflowApi),
            authorizer: new apigwv2.HttpNoneAuthorizer(),
          }),
      },
    );

    expect(routesWithoutIam(open.template)).toEqual(['GET /open']);
  });

  test('integrates every route with the one function, payload format 2.0, allowed to invoke it once for the whole API', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: stack.resolve(mlflow.functions.mlflowApi.functionArn),
    });
    template.resourceCountIs('AWS::Lambda::Permission', 1);
  });

  test('gives the function the four tables, bucket and bus variables it reads', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'MlflowApi',
          EXPERIMENTS_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Experiments') },
          REGISTRY_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Registry') },
          ARTIFACT_BUCKET_NAME: { Ref: Match.stringLikeRegexp('^Artifacts') },
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^Bus') },
        }),
      },
    });
  });

  test("gives the function exactly the MLflow stores' table actions, RegisterModel's artifact access (directories pinned, manifests written) and events", () => {
    const onTable = (table: string, actions: string[]) => actions.map((action) => `dynamodb:${action} on <${table}>`);
    const objects = (prefix: string) => `<artifacts>/${prefix}*`;
    const pinned = ['mlflow/'].map(objects);

    expect(grantsOf(mlflow.functions.mlflowApi.role!)).toEqual(
      [
        ...onTable('experiments-table', ['GetItem', 'PutItem', 'Query', 'UpdateItem']),
        ...onTable('registry-table', ['ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem']),
        'dynamodb:Query on <experiments-table>/index/gsi1',
        'dynamodb:Query on <experiments-table>/index/gsi3',
        'dynamodb:Query on <registry-table>/index/gsi1',
        's3:ListBucket on <artifacts>',
        ...pinned.map((resource) => `s3:GetObject on ${resource}`),
        ...pinned.map((resource) => `s3:GetObjectVersion on ${resource}`),
        `s3:PutObject on ${objects('registry-manifests/')}`,
        'events:PutEvents on <bus>',
        // What every platform function has: its log group and X-Ray.
        'logs:CreateLogStream on <function-logs>',
        'logs:PutLogEvents on <function-logs>',
        'xray:PutTelemetryRecords on *',
        'xray:PutTraceSegments on *',
      ].sort(),
    );
  });

  test('grantMlflowRead allows exactly the read routes (POST searches included), the unsupported areas, and mlflow/ of the bucket to list and download', () => {
    const grants = grantsOf(reader);

    expect(grants).toEqual(
      [...routeGrants('read'), ...unsupportedGrants, `s3:ListBucket on <artifacts>${LISTING}`, 's3:GetObject on <artifacts>/mlflow/*'].sort(),
    );
    expect(grants).toContain(invoke('POST', '/api/2.0/mlflow/runs/search'));
    expect(grants).toContain(invoke('GET', '/api/2.0/mlflow/logged-models/*'));
    expect(grants).not.toContain(invoke('POST', '/api/2.0/mlflow/runs/create'));
  });

  test("grantMlflowWrite allows every route of the API, by prefix, mlflow/ of the bucket to list and download, and uploads there, where MLflow's client writes artifacts", () => {
    // Within the role's inline policy: one ARN per route overflowed into a managed policy.
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(grantsOf(writer)).toEqual(
      [
        invoke('*', '/api/2.0/mlflow/*'),
        invoke('*', '/api/3.0/mlflow/traces*'),
        invoke('*', '/api/3.0/mlflow/scorers*'),
        invoke('*', '/api/3.0/mlflow/prompts*'),
        `s3:ListBucket on <artifacts>${LISTING}`,
        's3:GetObject on <artifacts>/mlflow/*',
        's3:AbortMultipartUpload on <artifacts>/mlflow/*',
        's3:PutObject on <artifacts>/mlflow/*',
      ].sort(),
    );
  });

  test('as IAM matches requests, the read grant allows the read routes and the unsupported areas only, the write grant every route', () => {
    const requests = [
      ...MLFLOW_ROUTES.map((route) => ({ method: route.method, path: `${MLFLOW_API_PREFIX}${route.path.replace(/\{\w+\}/g, 'm-1')}`, access: route.access })),
      ...MLFLOW_UNSUPPORTED_PREFIXES.flatMap((prefix) => [
        { method: 'POST', path: prefix, access: 'read' },
        { method: 'DELETE', path: `${prefix}/t-1/tags`, access: 'read' },
      ]),
    ];
    const allows = (grants: string[], method: string, path: string) =>
      grants.some((grant) => {
        const pattern = grant.replace(/^execute-api:Invoke on /, '');
        const glob = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
        return grant.startsWith('execute-api:Invoke') && glob.test(invoke(method, path).replace(/^execute-api:Invoke on /, ''));
      });
    const [readGrants, writeGrants] = [grantsOf(reader), grantsOf(writer)];

    const readAllowed = requests.filter(({ method, path }) => allows(readGrants, method, path));
    const writeAllowed = requests.filter(({ method, path }) => allows(writeGrants, method, path));

    expect(readAllowed).toEqual(requests.filter(({ access }) => access === 'read'));
    expect(writeAllowed).toEqual(requests);
    expect(allows(readGrants, 'POST', '/api/2.0/mlflow/runs/search')).toBe(true);
    expect(allows(readGrants, 'DELETE', '/api/2.0/mlflow/logged-models/m-1/tags/k')).toBe(false);
  });

  test('keeps JSON access logs of each call, its caller included, in a retained log group', () => {
    const logGroupId = stack.getLogicalId(mlflow.accessLogs.node.defaultChild as logs.CfnLogGroup);
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));

    expect(template.toJSON().Resources[logGroupId]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 90 } });

    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
    });
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toEqual({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      caller: '$context.identity.userArn',
      httpMethod: '$context.httpMethod',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      integrationLatency: '$context.integrationLatency',
    });
  });

  test('throttles the stage at 100 requests per second, bursts of 200, unless told', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 } });

    const tuned = mlflowStack({ throttle: { rateLimit: 20 } });

    tuned.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 200 } });
  });

  test('encrypts the access logs with a given key, which lets CloudWatch Logs of this account and region use it', () => {
    const keyed = mlflowStack({}, { withKey: true });
    const keyId = keyed.stack.getLogicalId(keyed.encryptionKey!.node.defaultChild as kms.CfnKey);
    const logGroupId = keyed.stack.getLogicalId(keyed.mlflow.accessLogs.node.defaultChild as logs.CfnLogGroup);

    expect(keyed.template.toJSON().Resources[logGroupId].Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    keyed.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*' } },
          }),
        ]),
      },
    });
  });

  test.each([
    [{ rateLimit: 0 }, /throttle.rateLimit must be a positive number of requests per second, got 0/],
    [{ burstLimit: 2.5 }, /throttle.burstLimit must be a positive whole number of requests, got 2.5/],
    [{ burstLimit: -1 }, /got -1/],
  ])('fails on throttle %j', (throttle, message) => {
    expect(() => mlflowStack({ throttle })).toThrow(message);
  });

  test("exposes the API's 4xx, 5xx and p99 latency metrics", () => {
    const apiId = stack.resolve(mlflow.api.apiId);

    expect(stack.resolve(mlflow.metricClientErrors().toMetricConfig().metricStat)).toMatchObject({
      namespace: 'AWS/ApiGateway',
      metricName: '4xx',
      statistic: 'Sum',
      dimensions: [{ name: 'ApiId', value: apiId }],
    });
    expect(mlflow.metricServerErrors()).toMatchObject({ namespace: 'AWS/ApiGateway', metricName: '5xx', statistic: 'Sum' });
    expect(mlflow.metricLatency()).toMatchObject({ namespace: 'AWS/ApiGateway', metricName: 'Latency', statistic: 'p99' });
  });
});
