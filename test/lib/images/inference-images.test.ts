import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { imageBuildSpec } from '../../../lambda/images/core/buildspec';
import { ImageEvent } from '../../../lambda/images/core/event-schemas';
import { REGISTRY_EVENT_SOURCE } from '../../../lambda/registry/adapters/eventbridge-publisher';
import { InferenceImages, type InferenceImagesProps } from '../../../lib/images/inference-images';
import { nagResourceName } from '../../../lib/shared/nag';
import { testApp } from '../../support/platform-app';
import { lintTemplates } from '../../support/synth/cfn-lint';

const ENV = { account: '123456789012', region: 'eu-west-1' };

type Json = Record<string, any>;
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Json; Effect: string };

/** Renders an intrinsic as text: `<LogicalId>`, `<LogicalId.Attr>`, joins concatenated, pseudo parameters by name. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Json;
  if (intrinsic['Fn::Join']) return (intrinsic['Fn::Join'][1] as unknown[]).map(flat).join(intrinsic['Fn::Join'][0]);
  if (intrinsic.Ref) return `<${intrinsic.Ref}>`;
  if (intrinsic['Fn::GetAtt']) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  if (intrinsic['Fn::Select']) {
    const [index, from] = intrinsic['Fn::Select'];
    if (from['Fn::Split']) return `<${flat(from['Fn::Split'][1])}[${from['Fn::Split'][0]}${index}]>`;
  }
  return JSON.stringify(value);
}

const RUNTIME_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

function fixture() {
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-images-'));
  const app = testApp({ outdir });

  const stack = new Stack(app, 'MlopsPlatform', { env: ENV });
  const eventBus = new events.EventBus(stack, 'Bus');
  const images = new InferenceImages(stack, 'Images', {
    eventBus,
    registryTable: dynamodb.Table.fromTableName(stack, 'Registry', 'registry'),
    artifactBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
  });
  const grantees = Object.fromEntries(
    ['Registrar', 'Reader', 'SageMakerExecution'].map((name) => [name, new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() })]),
  );
  images.grantRegister(grantees.Registrar);
  images.grantRead(grantees.Reader);
  images.grantDeploy(grantees.SageMakerExecution);
  for (const [role, fn] of [
    [grantees.Registrar, images.functions.registerImage],
    [grantees.Reader, images.functions.queryImages],
  ] as const) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[${nagResourceName(role, fn.functionArn)}:*]`,
      reason: "grantInvoke covers the function's versions and aliases.",
    });
  }
  Validations.of(grantees.SageMakerExecution).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken supports no resource-level permissions.',
  });
  Validations.of(grantees.SageMakerExecution).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::artifacts/images/*/model.tar.gz]',
    reason: 'Model data of every image version.',
  });
  Validations.of(grantees.Registrar).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::artifacts/image-inputs/*]',
    reason: 'Entry scripts and requirements, under the one prefix RegisterImage reads them from.',
  });

  const keyStack = new Stack(app, 'MlopsPlatformWithKey', { env: ENV });
  const platformKey = new kms.Key(keyStack, 'PlatformKey', { enableKeyRotation: true });
  const bucketKey = new kms.Key(keyStack, 'BucketKey', { enableKeyRotation: true });
  const keyBus = new events.EventBus(keyStack, 'Bus');
  const keyed = new InferenceImages(keyStack, 'Images', {
    eventBus: keyBus,
    registryTable: dynamodb.Table.fromTableName(keyStack, 'Registry', 'registry'),
    artifactBucket: s3.Bucket.fromBucketAttributes(keyStack, 'Artifacts', { bucketName: 'artifacts', encryptionKey: bucketKey }),
    encryptionKey: platformKey,
    removalPolicy: RemovalPolicy.DESTROY,
    approvalAlias: 'live',
    untaggedImageRetention: Duration.days(3),
    buildComputeType: codebuild.ComputeType.MEDIUM,
    buildTimeout: Duration.minutes(90),
    allowedBaseImageRegistries: ['public.ecr.aws', 'registry.example.com:5000'],
    allowedPackageIndexes: ['https://pypi.example.com/simple'],
    externalImageRepositories: ['team-models/*', 'shared/base'],
  });
  const externalDeployer = new iam.Role(keyStack, 'ExternalDeployer', { assumedBy: new iam.AccountRootPrincipal() });
  keyed.grantDeploy(externalDeployer);
  Validations.of(externalDeployer).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken supports no resource-level permissions.',
  });
  Validations.of(externalDeployer).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::artifacts/images/*/model.tar.gz]',
    reason: 'Model data of every image version.',
  });
  Validations.of(externalDeployer).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:aws:ecr:eu-west-1:123456789012:repository/team-models/*]',
    reason: 'The repositories the deployer named by prefix.',
  });

  const assembly = app.synth();
  const templateOf = (of: Stack) => Template.fromJSON(assembly.getStackArtifact(of.artifactId).template);
  return {
    app,
    outdir,
    stack,
    keyStack,
    images,
    keyed,
    externalDeployer,
    eventBus,
    keyBus,
    grantees,
    platformKey,
    bucketKey,
    template: templateOf(stack),
    keyTemplate: templateOf(keyStack),
  };
}

/** A fresh construct in its own stack, for prop validation. */
function freshImages(props: Partial<InferenceImagesProps> = {}) {
  const stack = new Stack(testApp(), 'Validation');
  return new InferenceImages(stack, 'Images', {
    eventBus: new events.EventBus(stack, 'Bus'),
    registryTable: dynamodb.Table.fromTableName(stack, 'Registry', 'registry'),
    artifactBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
    ...props,
  });
}

describe('InferenceImages', () => {
  const f = fixture();
  // cfn-lint runs in its own process while the other tests run; the last test awaits it.
  const lint = lintTemplates([f.stack, f.keyStack].map((of) => path.join(f.outdir, `${of.artifactId}.template.json`)));
  const { template, keyTemplate, images, keyed } = f;
  afterAll(async () => {
    await lint;
    rmSync(f.outdir, { recursive: true, force: true });
  });

  const idOf = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
  const resourcesOf = (t: Template, type: string) =>
    t.findResources(type) as Record<string, { Properties: Json; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  const only = (t: Template, type: string) => {
    const found = Object.values(resourcesOf(t, type));
    expect(found).toHaveLength(1);
    return found[0];
  };

  /** Each `action resource [condition]` a role's policies allow, but for the Lambda runtime's logs and X-Ray. */
  function grantsOfRole(t: Template, roleId: string, { runtime = false } = {}): string[] {
    const policies = Object.values(resourcesOf(t, 'AWS::IAM::Policy')).filter((policy) => policy.Properties.Roles.some((role: Json) => role.Ref === roleId));
    const grants = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((statement) =>
        [statement.Action]
          .flat()
          .flatMap((action) =>
            [statement.Resource]
              .flat()
              .map((resource) => `${action} ${flat(resource)}${statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''}`),
          ),
      ),
    );
    return [...new Set(grants)].filter((grant) => runtime || !RUNTIME_ACTIONS.includes(grant.split(' ')[0])).sort();
  }
  const grantsOf = (t: Template, fn: keyof typeof images.functions, of = images) => grantsOfRole(t, idOf(of.functions[fn].role!));

  const functionNamed = (t: Template, service: string) =>
    Object.values(resourcesOf(t, 'AWS::Lambda::Function')).find((resource) => resource.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service)!
      .Properties;

  describe('repository', () => {
    test("scans on push, keeps tags immutable, encrypts with AES-256 (ECR's default, left implicit) and is retained", () => {
      template.hasResource('AWS::ECR::Repository', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          ImageScanningConfiguration: { ScanOnPush: true },
          ImageTagMutability: 'IMMUTABLE',
          EncryptionConfiguration: Match.absent(),
        }),
      });
    });

    test('expires untagged images after 14 days by default, and only them', () => {
      const policy = JSON.parse(only(template, 'AWS::ECR::Repository').Properties.LifecyclePolicy.LifecyclePolicyText);

      expect(policy.rules).toEqual([
        {
          rulePriority: 1,
          description: 'Expire untagged images',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
          action: { type: 'expire' },
        },
      ]);
    });

    test('with a key: encrypts with it, expires untagged images after the configured age and follows the removal policy', () => {
      const repository = only(keyTemplate, 'AWS::ECR::Repository');

      expect(repository.Properties.EncryptionConfiguration).toEqual({ EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [idOf(f.platformKey), 'Arn'] } });
      expect(JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText).rules[0].selection).toMatchObject({
        tagStatus: 'untagged',
        countNumber: 3,
        countUnit: 'days',
      });
      expect(repository.DeletionPolicy).toBe('Delete');
    });
  });

  describe('build project', () => {
    const project = () => only(template, 'AWS::CodeBuild::Project').Properties;

    test('runs the privileged Docker daemon on the standard Linux image, small by default, for at most an hour', () => {
      expect(project()).toMatchObject({
        Environment: { Type: 'LINUX_CONTAINER', Image: 'aws/codebuild/standard:7.0', ComputeType: 'BUILD_GENERAL1_SMALL', PrivilegedMode: true },
        TimeoutInMinutes: 60,
        Artifacts: { Type: 'NO_ARTIFACTS' },
      });
    });

    test('reads its sources under images/ of the artifact bucket', () => {
      expect(project().Source).toMatchObject({ Type: 'S3', Location: 'artifacts/images/' });
    });

    test('holds the image buildspec, exactly', () => {
      expect(JSON.parse(project().Source.BuildSpec)).toEqual(imageBuildSpec());
    });

    test('tells every build the repository URI and name', () => {
      const variables = Object.fromEntries(
        (project().Environment.EnvironmentVariables as Json[]).map((variable) => [variable.Name, [variable.Type, flat(variable.Value)]]),
      );
      const repository = idOf(images.repository);

      expect(variables).toEqual({
        REPOSITORY_URI: ['PLAINTEXT', `<<${repository}.Arn>[:4]>.dkr.ecr.<<${repository}.Arn>[:3]>.<AWS::URLSuffix>/<${repository}>`],
        REPOSITORY_NAME: ['PLAINTEXT', `<${repository}>`],
      });
    });

    test('logs to its own log group, kept three months and retained', () => {
      expect(project().LogsConfig).toEqual({ CloudWatchLogs: { Status: 'ENABLED', GroupName: { Ref: idOf(images.buildLogs) } } });
      template.hasResource('AWS::Logs::LogGroup', {
        DeletionPolicy: 'Retain',
        Properties: { RetentionInDays: 90 },
      });
      expect(resourcesOf(template, 'AWS::Logs::LogGroup')[idOf(images.buildLogs)].Properties).toEqual({ RetentionInDays: 90 });
    });

    test('uses the AWS managed key of S3 without a customer key', () => {
      expect(project().EncryptionKey).toBe('alias/aws/s3');
    });

    test('with a key: encrypts with it, and takes the compute type and timeout', () => {
      expect(only(keyTemplate, 'AWS::CodeBuild::Project').Properties).toMatchObject({
        EncryptionKey: { 'Fn::GetAtt': [idOf(f.platformKey), 'Arn'] },
        Environment: { ComputeType: 'BUILD_GENERAL1_MEDIUM', PrivilegedMode: true },
        TimeoutInMinutes: 90,
      });
    });

    test('reads its context files and the registered model artifacts (by version), writes only model data under images/, pushes to its repository only', () => {
      const role = idOf(images.buildProject.role!);
      const repository = `<${idOf(images.repository)}.Arn>`;

      const grants = grantsOfRole(template, role, { runtime: true }).filter((grant) => !grant.startsWith('logs:') && !grant.startsWith('codebuild:'));

      expect(grants).toEqual([
        `ecr:BatchCheckLayerAvailability ${repository}`,
        `ecr:BatchGetImage ${repository}`,
        `ecr:CompleteLayerUpload ${repository}`,
        `ecr:DescribeImageScanFindings ${repository}`,
        `ecr:DescribeImages ${repository}`,
        'ecr:GetAuthorizationToken *',
        `ecr:GetDownloadUrlForLayer ${repository}`,
        `ecr:InitiateLayerUpload ${repository}`,
        `ecr:PutImage ${repository}`,
        `ecr:UploadLayerPart ${repository}`,
        's3:GetBucketAcl arn:aws:s3:::artifacts',
        's3:GetBucketLocation arn:aws:s3:::artifacts',
        's3:GetObject arn:aws:s3:::artifacts/images/*/context/*',
        's3:GetObject arn:aws:s3:::artifacts/mlflow/*',
        's3:GetObject arn:aws:s3:::artifacts/models/*',
        's3:GetObject arn:aws:s3:::artifacts/uploads/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/images/*/context/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/mlflow/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/models/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/uploads/*',
        's3:ListBucket arn:aws:s3:::artifacts if {"StringLike":{"s3:prefix":["images/*"]}}',
        's3:PutObject arn:aws:s3:::artifacts/images/*/model.tar.gz',
      ]);
    });

    test('writes its logs to its own log group', () => {
      const logGrants = grantsOfRole(template, idOf(images.buildProject.role!), { runtime: true }).filter((grant) => grant.startsWith('logs:'));

      expect(logGrants).toEqual(
        expect.arrayContaining([`logs:CreateLogStream <${idOf(images.buildLogs)}.Arn>`, `logs:PutLogEvents <${idOf(images.buildLogs)}.Arn>`]),
      );
    });

    test('with keys: may use the platform key and decrypt and write with the bucket key', () => {
      const kmsGrants = grantsOfRole(keyTemplate, idOf(keyed.buildProject.role!)).filter((grant) => grant.startsWith('kms:'));
      const platformKey = `<${idOf(f.platformKey)}.Arn>`;
      const bucketKey = `<${idOf(f.bucketKey)}.Arn>`;

      expect(kmsGrants).toEqual([
        `kms:Decrypt ${bucketKey}`,
        `kms:Decrypt ${platformKey}`,
        `kms:Encrypt ${platformKey}`,
        `kms:GenerateDataKey ${bucketKey}`,
        `kms:GenerateDataKey ${platformKey}`,
      ]);
    });
  });

  describe('functions', () => {
    const variables = (t: Template, service: string) =>
      Object.fromEntries(
        Object.entries(functionNamed(t, service).Environment.Variables as Record<string, unknown>)
          .filter(([name]) => !name.startsWith('POWERTOOLS_'))
          .map(([name, value]) => [name, flat(value)]),
      );

    test('RegisterImage is told the tables, the bucket, the build project, the approval alias and the bus', () => {
      expect(variables(template, 'RegisterImage')).toEqual({
        IMAGES_TABLE_NAME: `<${idOf(images.table)}>`,
        REGISTRY_TABLE_NAME: 'registry',
        ARTIFACT_BUCKET_NAME: 'artifacts',
        BUILD_PROJECT_NAME: `<${idOf(images.buildProject)}>`,
        APPROVAL_ALIAS: 'production',
        EVENT_BUS_NAME: `<${idOf(f.eventBus)}>`,
        // By default: ECR Public and the account's own registry, pip's default index, and no repository of images built elsewhere.
        BASE_IMAGE_REGISTRIES: 'public.ecr.aws,123456789012.dkr.ecr.eu-west-1.<AWS::URLSuffix>',
        PACKAGE_INDEXES: 'https://pypi.org/simple',
        IMAGE_REGISTRY: '123456789012.dkr.ecr.eu-west-1.<AWS::URLSuffix>',
        EXTERNAL_IMAGE_REPOSITORIES: '',
      });
    });

    test('tells RegisterImage the registries, indexes and repositories it is given', () => {
      expect(variables(keyTemplate, 'RegisterImage')).toMatchObject({
        BASE_IMAGE_REGISTRIES: 'public.ecr.aws,registry.example.com:5000',
        PACKAGE_INDEXES: 'https://pypi.example.com/simple',
        EXTERNAL_IMAGE_REPOSITORIES: 'team-models/*,shared/base',
      });
    });

    test('lets RegisterImage read the images of the repositories it is given, and no other', () => {
      expect(grantsOf(keyTemplate, 'registerImage', keyed).filter((grant) => grant.startsWith('ecr:'))).toEqual([
        'ecr:DescribeImages arn:aws:ecr:eu-west-1:123456789012:repository/shared/base',
        'ecr:DescribeImages arn:aws:ecr:eu-west-1:123456789012:repository/team-models/*',
      ]);
    });

    test('ImageEvents is told the tables, the repository, the approval alias and the bus', () => {
      const repository = idOf(images.repository);
      expect(variables(template, 'ImageEvents')).toEqual({
        IMAGES_TABLE_NAME: `<${idOf(images.table)}>`,
        REGISTRY_TABLE_NAME: 'registry',
        REPOSITORY_NAME: `<${repository}>`,
        REPOSITORY_URI: `<<${repository}.Arn>[:4]>.dkr.ecr.<<${repository}.Arn>[:3]>.<AWS::URLSuffix>/<${repository}>`,
        APPROVAL_ALIAS: 'production',
        EVENT_BUS_NAME: `<${idOf(f.eventBus)}>`,
      });
    });

    test('QueryImages is told the images table only', () => {
      expect(variables(template, 'QueryImages')).toEqual({ IMAGES_TABLE_NAME: `<${idOf(images.table)}>` });
    });

    test('takes the approval alias it is given', () => {
      expect(variables(keyTemplate, 'RegisterImage').APPROVAL_ALIAS).toBe('live');
      expect(variables(keyTemplate, 'ImageEvents').APPROVAL_ALIAS).toBe('live');
    });

    test('RegisterImage reads uploads under image-inputs/, registered artifact versions and directory manifests, writes contexts and model data under images/, starts builds and creates packages, reading no ECR repository by default', () => {
      const table = `<${idOf(images.table)}.Arn>`;

      expect(grantsOf(template, 'registerImage')).toEqual([
        `codebuild:StartBuild <${idOf(images.buildProject)}.Arn>`,
        `dynamodb:GetItem ${table}`,
        'dynamodb:GetItem arn:aws:dynamodb:eu-west-1:123456789012:table/registry',
        `dynamodb:PutItem ${table}`,
        `dynamodb:UpdateItem ${table}`,
        `events:PutEvents <${idOf(f.eventBus)}.Arn>`,
        's3:GetObject arn:aws:s3:::artifacts/image-inputs/*',
        's3:GetObject arn:aws:s3:::artifacts/mlflow/*',
        's3:GetObject arn:aws:s3:::artifacts/models/*',
        's3:GetObject arn:aws:s3:::artifacts/registry-manifests/*',
        's3:GetObject arn:aws:s3:::artifacts/uploads/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/mlflow/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/models/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/registry-manifests/*',
        's3:GetObjectVersion arn:aws:s3:::artifacts/uploads/*',
        's3:PutObject arn:aws:s3:::artifacts/images/*',
        'sagemaker:CreateModelPackage arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/mlops-*',
        'sagemaker:CreateModelPackage arn:aws:sagemaker:eu-west-1:123456789012:model-package/mlops-*/*',
        'sagemaker:CreateModelPackageGroup arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/mlops-*',
      ]);
    });

    test('ImageEvents updates versions, reads its repository and creates and approves packages', () => {
      const table = `<${idOf(images.table)}.Arn>`;

      expect(grantsOf(template, 'imageEvents')).toEqual([
        `dynamodb:GetItem ${table}`,
        'dynamodb:GetItem arn:aws:dynamodb:eu-west-1:123456789012:table/registry',
        `dynamodb:Query ${table}/index/gsi1`,
        `dynamodb:UpdateItem ${table}`,
        `ecr:DescribeImages <${idOf(images.repository)}.Arn>`,
        `events:PutEvents <${idOf(f.eventBus)}.Arn>`,
        'sagemaker:CreateModelPackage arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/mlops-*',
        'sagemaker:CreateModelPackage arn:aws:sagemaker:eu-west-1:123456789012:model-package/mlops-*/*',
        'sagemaker:CreateModelPackageGroup arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/mlops-*',
        'sagemaker:UpdateModelPackage arn:aws:sagemaker:eu-west-1:123456789012:model-package/mlops-*/*',
      ]);
    });

    test('QueryImages reads the table and its index', () => {
      const table = `<${idOf(images.table)}.Arn>`;

      expect(grantsOf(template, 'queryImages')).toEqual([`dynamodb:GetItem ${table}`, `dynamodb:Query ${table}`, `dynamodb:Query ${table}/index/gsi1`]);
    });

    test('grants no wildcard action anywhere', () => {
      const actions = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((statement) => [statement.Action].flat()),
      );
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    });
  });

  describe('events', () => {
    const rules = (t: Template) => Object.values(resourcesOf(t, 'AWS::Events::Rule')).map((rule) => rule.Properties);
    const imageEventsArn = () => ({ 'Fn::GetAtt': [idOf(images.functions.imageEvents), 'Arn'] });

    test.each(['CodeBuild Build State Change', 'CodeBuild Build Phase Change'])(
      'takes "%s" of the image builds from the default bus to ImageEvents',
      (detailType) => {
        const matching = rules(template).filter((rule) => rule.EventPattern['detail-type']?.[0] === detailType);

        expect(matching).toHaveLength(1);
        expect(matching[0].EventBusName).toBeUndefined();
        expect(matching[0].EventPattern).toEqual({
          source: ['aws.codebuild'],
          'detail-type': [detailType],
          detail: { 'project-name': [{ Ref: idOf(images.buildProject) }] },
        });
        expect(matching[0].Targets).toEqual([expect.objectContaining({ Arn: imageEventsArn() })]);
      },
    );

    test('takes moves of the approval alias from the platform bus to ImageEvents', () => {
      const onBus = rules(template).filter((rule) => rule.EventBusName);

      expect(onBus).toHaveLength(1);
      expect(onBus[0].EventBusName).toEqual({ Ref: idOf(f.eventBus) });
      expect(onBus[0].EventPattern).toEqual({ source: [REGISTRY_EVENT_SOURCE], 'detail-type': ['ModelAliasChanged'], detail: { alias: ['production'] } });
      expect(onBus[0].Targets).toEqual([expect.objectContaining({ Arn: imageEventsArn() })]);
    });

    test('follows the alias it is given', () => {
      const onBus = rules(keyTemplate).filter((rule) => rule.EventBusName);

      expect(onBus[0].EventPattern.detail).toEqual({ alias: ['live'] });
    });

    test('lets EventBridge invoke ImageEvents for each rule, and nothing else', () => {
      const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).map((permission) => permission.Properties);
      const ruleArns = Object.keys(resourcesOf(template, 'AWS::Events::Rule')).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));

      expect(permissions.filter((permission) => permission.Principal === 'events.amazonaws.com')).toEqual(
        ruleArns.map((SourceArn) => expect.objectContaining({ Action: 'lambda:InvokeFunction', FunctionName: imageEventsArn(), SourceArn })),
      );
      expect(permissions).toHaveLength(3);
    });

    test('routes only events the handler takes', () => {
      for (const rule of rules(template)) {
        const sample = {
          source: rule.EventPattern.source[0],
          'detail-type': rule.EventPattern['detail-type'][0],
          detail: rule.EventBusName
            ? { name: 'churn', alias: 'production', toVersion: 2 }
            : { 'build-status': 'SUCCEEDED', 'completed-phase': 'BUILD', 'build-id': 'b', 'project-name': 'p' },
        };
        expect(ImageEvent.safeParse(sample).success).toBe(true);
      }
    });
  });

  describe('table', () => {
    test('keeps images in an on-demand table with PITR, deletion protection and the gsi1 index, retained', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            Match.objectLike({
              IndexName: 'gsi1',
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            }),
          ],
        }),
      });
    });

    test('with a key: encrypts the table with it', () => {
      keyTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [idOf(f.platformKey), 'Arn'] }, SSEEnabled: true, SSEType: 'KMS' },
      });
    });
  });

  describe('grants', () => {
    test('lets the Reader invoke queryImages, nothing more', () => {
      const target = idOf(images.functions.queryImages);

      expect(grantsOfRole(template, idOf(f.grantees.Reader))).toEqual([`lambda:InvokeFunction <${target}.Arn>`, `lambda:InvokeFunction <${target}.Arn>:*`]);
    });

    test('lets the Registrar invoke registerImage and upload entry scripts and requirements under image-inputs/ only, nothing more', () => {
      const target = idOf(images.functions.registerImage);

      expect(grantsOfRole(template, idOf(f.grantees.Registrar))).toEqual([
        `lambda:InvokeFunction <${target}.Arn>`,
        `lambda:InvokeFunction <${target}.Arn>:*`,
        's3:AbortMultipartUpload arn:aws:s3:::artifacts/image-inputs/*',
        's3:PutObject arn:aws:s3:::artifacts/image-inputs/*',
      ]);
    });

    test('lets nobody but the platform (RegisterImage, the build) write under images/', () => {
      const writers = Object.entries(resourcesOf(template, 'AWS::IAM::Policy')).filter(([, policy]) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).some(
          (statement) =>
            [statement.Action].flat().includes('s3:PutObject') &&
            [statement.Resource].flat().some((resource) => /^arn:aws:s3:::artifacts\/(images\/|\*)/.test(flat(resource))),
        ),
      );

      expect(writers.flatMap(([, policy]) => policy.Properties.Roles.map((role: Json) => role.Ref)).sort()).toEqual(
        [idOf(images.functions.registerImage.role!), idOf(images.buildProject.role!)].sort(),
      );
    });

    test('lets a deployer pull the images and read their model data, nothing more', () => {
      const repository = `<${idOf(images.repository)}.Arn>`;

      expect(grantsOfRole(template, idOf(f.grantees.SageMakerExecution))).toEqual([
        `ecr:BatchCheckLayerAvailability ${repository}`,
        `ecr:BatchGetImage ${repository}`,
        'ecr:GetAuthorizationToken *',
        `ecr:GetDownloadUrlForLayer ${repository}`,
        's3:GetObject arn:aws:s3:::artifacts/images/*/model.tar.gz',
      ]);
    });

    test('lets a deployer pull the images built elsewhere from the repositories the platform was given too', () => {
      const ecrGrants = grantsOfRole(keyTemplate, idOf(f.externalDeployer)).filter(
        (grant) => grant.startsWith('ecr:') && !grant.includes(idOf(keyed.repository)),
      );

      expect(ecrGrants).toEqual([
        'ecr:BatchCheckLayerAvailability arn:aws:ecr:eu-west-1:123456789012:repository/shared/base',
        'ecr:BatchCheckLayerAvailability arn:aws:ecr:eu-west-1:123456789012:repository/team-models/*',
        'ecr:BatchGetImage arn:aws:ecr:eu-west-1:123456789012:repository/shared/base',
        'ecr:BatchGetImage arn:aws:ecr:eu-west-1:123456789012:repository/team-models/*',
        'ecr:GetAuthorizationToken *',
        'ecr:GetDownloadUrlForLayer arn:aws:ecr:eu-west-1:123456789012:repository/shared/base',
        'ecr:GetDownloadUrlForLayer arn:aws:ecr:eu-west-1:123456789012:repository/team-models/*',
      ]);
    });

    test('returns the grants it made', () => {
      const stack = new Stack(testApp(), 'Grants');
      const fresh = new InferenceImages(stack, 'Images', {
        eventBus: new events.EventBus(stack, 'Bus'),
        registryTable: dynamodb.Table.fromTableName(stack, 'Registry', 'registry'),
        artifactBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'),
      });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });

      for (const grant of [fresh.grantRegister(role), fresh.grantRead(role), fresh.grantDeploy(role)]) expect(grant.success).toBe(true);
    });
  });

  describe('props validation', () => {
    test.each([
      [
        'allowedBaseImageRegistries',
        { allowedBaseImageRegistries: ['https://public.ecr.aws'] },
        'allowedBaseImageRegistries must hold only a registry host like public.ecr.aws, got "https://public.ecr.aws"',
      ],
      ['allowedBaseImageRegistries', { allowedBaseImageRegistries: [] }, 'allowedBaseImageRegistries must name at least one source'],
      [
        'allowedPackageIndexes',
        { allowedPackageIndexes: ['http://pypi.org/simple'] },
        'allowedPackageIndexes must hold only an https URL like https://pypi.org/simple, got "http://pypi.org/simple"',
      ],
      [
        'allowedPackageIndexes',
        { allowedPackageIndexes: ['https://a.example/simple,https://b.example/simple'] },
        'allowedPackageIndexes must hold only an https URL',
      ],
      ['allowedPackageIndexes', { allowedPackageIndexes: [] }, 'allowedPackageIndexes must name at least one source'],
      [
        'externalImageRepositories',
        { externalImageRepositories: ['*'] },
        'externalImageRepositories must hold only an ECR repository name, or a name prefix ending in *',
      ],
      ['externalImageRepositories', { externalImageRepositories: ['Team/Models'] }, 'externalImageRepositories must hold only an ECR repository name'],
    ])('fails on a bad %s, naming the fix', (_, props, message) => {
      expect(() => freshImages(props)).toThrow(message);
    });

    test.each(['Production', 'prod alias', '', 'a'.repeat(65), 'prod_uction'])('fails on the approval alias "%s", naming the fix', (approvalAlias) => {
      expect(() => freshImages({ approvalAlias })).toThrow(
        `approvalAlias must be a registry alias name (lowercase letters, digits, "-"), got "${approvalAlias}"`,
      );
    });

    test('accepts an alias of 64 characters', () => {
      expect(() => freshImages({ approvalAlias: 'a'.repeat(64) })).not.toThrow();
    });

    // The registry reserves "latest" and "v<digits>": no alias so named can exist, so nothing would be approved.
    test.each(['latest', 'v2'])('fails on the approval alias "%s", which the registry reserves', (approvalAlias) => {
      expect(() => freshImages({ approvalAlias })).toThrow(`approvalAlias "${approvalAlias}" is reserved by the registry`);
    });
  });

  test('cdk-nag AwsSolutions finds no unacknowledged error or warning, with and without a key', () => {
    const report = new AwsSolutionsChecks(f.app).validateScope(f.app);

    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  test('cfn-lint reports no error or warning on the synthesized templates', async () => {
    const { output, status, error } = await lint;

    if (error) throw new Error(error);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
