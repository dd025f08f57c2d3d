import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { imageBuildSpec } from '../../lambda/images/core/buildspec';
import { MODEL_PACKAGE_GROUP_PREFIX } from '../../lambda/images/core/model-packages';
import { DEFAULT_PACKAGE_INDEX, PUBLIC_ECR_REGISTRY, SOURCE_FORMATS } from '../../lambda/images/core/supply-chain';
import { REGISTRY_EVENT_SOURCE } from '../../lambda/registry/adapters/eventbridge-publisher';
import { RESERVED_ALIAS } from '../../lambda/registry/core/schemas';
import {
  DIRECTORY_ARTIFACT_PREFIXES,
  IMAGE_INPUTS_PREFIX,
  IMAGES_PREFIX,
  MODEL_DATA_FILE,
  REGISTRY_MANIFESTS_PREFIX,
} from '../../lambda/shared/artifact-prefixes';
import { grantDownloadOf, grantUploadUnder } from '../shared/bucket-grants';
import { nagResourceName } from '../shared/nag';
import { PlatformCapability } from '../shared/platform-capability';
import type { PlatformFunction } from '../shared/platform-function';
import { createPlatformTable } from '../shared/platform-table';

/** The operations the inference image functions serve. */
export const IMAGES_OPERATIONS = ['registerImage', 'imageEvents', 'queryImages'] as const;
export type ImagesOperation = (typeof IMAGES_OPERATIONS)[number];

export interface InferenceImagesProps {
  /** The platform's event bus: images announce `ImageBuildStateChanged` on it and follow the registry's alias moves. */
  readonly eventBus: events.IEventBus;
  /** The model registry's table: images pin the versions they serve in it. */
  readonly registryTable: dynamodb.ITable;
  /** The registry's artifact bucket: clients upload entry scripts under `image-inputs/`; build contexts and model data go under `images/`. */
  readonly artifactBucket: s3.IBucket;
  /**
   * A customer-managed key for the images table, the repository and the build project.
   * @default - an AWS-owned key for the table, AES-256 for the repository, the AWS managed key of S3 for the project
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the table, repository and build logs when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The registry alias whose model versions' packages are approved in the SageMaker Model Registry.
   * @default 'production'
   */
  readonly approvalAlias?: string;
  /**
   * How long untagged images (layers of replaced pushes) are kept in the repository.
   * @default Duration.days(14)
   */
  readonly untaggedImageRetention?: Duration;
  /**
   * The CodeBuild compute that builds images.
   * @default codebuild.ComputeType.SMALL
   */
  readonly buildComputeType?: codebuild.ComputeType;
  /**
   * How long a build may take before CodeBuild stops it (the image is then FAILED).
   * @default Duration.minutes(60)
   */
  readonly buildTimeout?: Duration;
  /**
   * Registries image builds may take their base image from (`source.baseImage`), by host; any
   * other is refused at registration, Docker Hub included (`library/python:3.12` is on docker.io).
   * @default - Amazon ECR Public (`public.ecr.aws`) and the account's own ECR registry in the stack's region
   */
  readonly allowedBaseImageRegistries?: readonly string[];
  /**
   * Package indexes a requirements file may name with `--index-url` or `--extra-index-url`; any
   * other, and any `--trusted-host`, is refused at registration. Requirements that name no index
   * are installed from pip's default index.
   * @default ['https://pypi.org/simple']
   */
  readonly allowedPackageIndexes?: readonly string[];
  /**
   * Repositories of the account's ECR registry, in the stack's region, that images built
   * elsewhere may be registered from, by name or by name prefix ending in `*` (`team-models/*`).
   * `RegisterImage` may read the digests and scan summaries of their images (`ecr:DescribeImages`)
   * and refuses an image of any other repository.
   * @default - none: no image built elsewhere can be registered
   */
  readonly externalImageRepositories?: readonly string[];
}

/**
 * Inference images: a model version paired with the code that serves it, as a scanned,
 * digest-pinned container in ECR that SageMaker can deploy. `RegisterImage` checks the request,
 * writes a build context and starts a CodeBuild build (or pins an image built elsewhere);
 * `ImageEvents` follows the build to `READY` or `FAILED`, mirrors ready images to the SageMaker
 * Model Registry, and keeps their approval in step with the registry's approval alias.
 */
export class InferenceImages extends PlatformCapability<ImagesOperation> {
  /** Lists images and finds the images serving a model version (see lambda/images/adapters/table-keys.ts). */
  static readonly LOOKUP_INDEX = 'gsi1';

  readonly table: dynamodb.Table;
  readonly repository: ecr.Repository;
  readonly buildProject: codebuild.Project;
  readonly buildLogs: logs.LogGroup;
  readonly approvalAlias: string;
  /** The repositories images built elsewhere may be registered from (`externalImageRepositories`), as ARNs. */
  readonly externalImageRepositoryArns: readonly string[];
  readonly artifactBucket: s3.IBucket;
  readonly functions: Readonly<Record<ImagesOperation, PlatformFunction>>;

  constructor(scope: Construct, id: string, props: InferenceImagesProps) {
    super(scope, id, 'images');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.artifactBucket = props.artifactBucket;
    this.approvalAlias = props.approvalAlias ?? 'production';
    const externalRepositories = checkedSources('externalImageRepositories', 'repository', props.externalImageRepositories ?? [], { mayBeEmpty: true });
    this.externalImageRepositoryArns = externalRepositories.map((name) =>
      Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: name }),
    );
    if (!Token.isUnresolved(this.approvalAlias)) {
      if (!/^[a-z0-9-]{1,64}$/.test(this.approvalAlias))
        throw new Error(`approvalAlias must be a registry alias name (lowercase letters, digits, "-"), got "${this.approvalAlias}"`);
      if (RESERVED_ALIAS.test(this.approvalAlias))
        throw new Error(`approvalAlias "${this.approvalAlias}" is reserved by the registry ("latest" and "v<digits>" name versions): no alias can have it`);
    }

    this.table = createPlatformTable(this, 'Table', {
      encryptionKey: props.encryptionKey,
      removalPolicy,
      indexes: { [InferenceImages.LOOKUP_INDEX]: dynamodb.ProjectionType.ALL },
    });
    this.repository = new ecr.Repository(this, 'Repository', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: props.encryptionKey ? ecr.RepositoryEncryption.KMS : ecr.RepositoryEncryption.AES_256,
      encryptionKey: props.encryptionKey,
      lifecycleRules: [
        { description: 'Expire untagged images', tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: props.untaggedImageRetention ?? Duration.days(14) },
      ],
      removalPolicy,
    });
    this.buildLogs = new logs.LogGroup(this, 'BuildLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy });
    this.buildProject = this.createBuildProject(props);

    const registerImage = this.addFunction('RegisterImage', {
      description: 'Registers an inference image: checks it, writes its build context and starts its build, or pins an ECR image.',
    });
    registerImage.bindTable(this.table, 'IMAGES_TABLE_NAME', ['GetItem', 'PutItem', 'UpdateItem']);
    registerImage.bindTable(props.registryTable, 'REGISTRY_TABLE_NAME', ['GetItem']);
    // It reads scripts and requirements under image-inputs/ only, writes contexts and model data under images/,
    // copies an external image's model data from the pinned version of a registered artifact (models/, uploads/), and
    // reads a directory artifact's manifest (registry-manifests/) and an MLflow model's requirements.txt, by version.
    registerImage.bindBucketPrefixes(props.artifactBucket, 'ARTIFACT_BUCKET_NAME', {
      read: [IMAGE_INPUTS_PREFIX, ...DIRECTORY_ARTIFACT_PREFIXES, REGISTRY_MANIFESTS_PREFIX],
      write: [IMAGES_PREFIX],
    });
    const pinnedReads = [...this.modelArtifacts(props.artifactBucket), props.artifactBucket.arnForObjects(`${REGISTRY_MANIFESTS_PREFIX}*`)];
    registerImage.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectVersion'], resources: pinnedReads }));
    registerImage.addEnvironment('BUILD_PROJECT_NAME', this.buildProject.projectName);
    registerImage.addToRolePolicy(new iam.PolicyStatement({ actions: ['codebuild:StartBuild'], resources: [this.buildProject.projectArn] }));
    this.bindImageSources(registerImage, props);

    const imageEvents = this.addFunction('ImageEvents', {
      description: 'Follows image builds to READY or FAILED, mirrors ready images to SageMaker and their approval to the registry alias.',
    });
    imageEvents.bindTable(this.table, 'IMAGES_TABLE_NAME', ['GetItem', 'UpdateItem'], [InferenceImages.LOOKUP_INDEX]);
    imageEvents.bindTable(props.registryTable, 'REGISTRY_TABLE_NAME', ['GetItem']);
    imageEvents.addEnvironment('REPOSITORY_NAME', this.repository.repositoryName);
    imageEvents.addEnvironment('REPOSITORY_URI', this.repository.repositoryUri);
    imageEvents.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecr:DescribeImages'], resources: [this.repository.repositoryArn] }));

    for (const fn of [registerImage, imageEvents]) {
      fn.addEnvironment('APPROVAL_ALIAS', this.approvalAlias);
      fn.bindEventBus(props.eventBus);
      this.grantModelPackages(fn, { approve: fn === imageEvents });
    }

    const queryImages = this.addFunction('QueryImages', { description: "Answers image queries: an image version, the images, an image's versions." });
    queryImages.bindTable(this.table, 'IMAGES_TABLE_NAME', ['GetItem', 'Query'], [InferenceImages.LOOKUP_INDEX]);

    this.functions = { registerImage, imageEvents, queryImages };

    // CodeBuild tells the default bus of every build's phases and end.
    const buildEvents = new targets.LambdaFunction(imageEvents);
    this.buildProject.onStateChange('BuildStateChange', { target: buildEvents, description: 'Image builds that end: the image becomes READY or FAILED.' });
    this.buildProject.onPhaseChange('BuildPhaseChange', { target: buildEvents, description: 'Image build phases: the progress `mlops image wait` shows.' });
    new events.Rule(this, 'ApprovalAliasMoves', {
      eventBus: props.eventBus,
      description: `Moves of the registry alias "${this.approvalAlias}": the approval of image packages follows them.`,
      eventPattern: { source: [REGISTRY_EVENT_SOURCE], detailType: ['ModelAliasChanged'], detail: { alias: [this.approvalAlias] } },
      targets: [new targets.LambdaFunction(imageEvents)],
    });
  }

  /**
   * Lets `grantee` register images: invoke `RegisterImage` and upload entry scripts and requirements
   * under `image-inputs/*` of the artifact bucket, the one place `RegisterImage` reads them from.
   * Build contexts and model data (`images/`) are written by the platform only.
   */
  grantRegister(grantee: iam.IGrantable): iam.Grant {
    return grantUploadUnder(this.artifactBucket, grantee, [IMAGE_INPUTS_PREFIX]).combine(this.functions.registerImage.grantInvoke(grantee));
  }

  /** Lets `grantee` read images and their versions (invoke `QueryImages`). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.functions.queryImages.grantInvoke(grantee);
  }

  /**
   * Lets `grantee` (a SageMaker execution role, say) deploy the images: pull them from the
   * repository, and from the repositories images built elsewhere may come from, and read their
   * model data (`images/*` of the artifact bucket).
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant {
    const modelData = grantDownloadOf(this.artifactBucket, grantee, [`${IMAGES_PREFIX}*/${MODEL_DATA_FILE}`]);
    const pulls = this.repository.grantPull(grantee).combine(modelData);
    if (this.externalImageRepositoryArns.length === 0) return pulls;
    const externalPulls = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resourceArns: [...this.externalImageRepositoryArns],
    });
    return pulls.combine(externalPulls);
  }

  /** Image builds that failed (CodeBuild's `FailedBuilds` of the project, sum over 5 minutes). */
  metricFailedBuilds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.buildProject.metricFailedBuilds(props);
  }

  private createBuildProject(props: InferenceImagesProps): codebuild.Project {
    const project = new codebuild.Project(this, 'Build', {
      description: 'Builds inference images from their build contexts and pushes them to the platform repository.',
      buildSpec: codebuild.BuildSpec.fromObject(imageBuildSpec()),
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: props.buildComputeType ?? codebuild.ComputeType.SMALL,
        // Docker builds need the privileged daemon.
        privileged: true,
        environmentVariables: {
          REPOSITORY_URI: { value: this.repository.repositoryUri },
          REPOSITORY_NAME: { value: this.repository.repositoryName },
        },
      },
      timeout: props.buildTimeout ?? Duration.minutes(60),
      logging: { cloudWatch: { logGroup: this.buildLogs } },
    });
    // Each build reads its own context folder (`StartBuild` overrides the location); the project's is the parent.
    const cfnProject = project.node.defaultChild as codebuild.CfnProject;
    cfnProject.addPropertyOverride('Source.Type', 'S3');
    cfnProject.addPropertyOverride('Source.Location', `${props.artifactBucket.bucketName}/${IMAGES_PREFIX}`);
    if (props.encryptionKey) {
      // Set here rather than through the `encryptionKey` prop, whose grant holds wildcard KMS actions.
      cfnProject.encryptionKey = props.encryptionKey.keyArn;
      props.encryptionKey.grant(project, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    }

    const bucket = props.artifactBucket;
    // Builds read their pinned context files and the served models' pinned artifact versions, and write only model data.
    const contexts = bucket.arnForObjects(`${IMAGES_PREFIX}*/context/*`);
    const modelData = bucket.arnForObjects(`${IMAGES_PREFIX}*/${MODEL_DATA_FILE}`);
    const artifacts = this.modelArtifacts(bucket);
    project.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [contexts, ...artifacts] }));
    project.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [modelData] }));
    project.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'], resources: [bucket.bucketArn] }));
    project.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${IMAGES_PREFIX}*`] } },
      }),
    );
    if (bucket.encryptionKey) bucket.encryptionKey.grant(project, 'kms:Decrypt', 'kms:GenerateDataKey');
    this.repository.grantPullPush(project);
    project.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ecr:DescribeImages', 'ecr:DescribeImageScanFindings'], resources: [this.repository.repositoryArn] }),
    );

    for (const resource of [contexts, modelData, ...artifacts]) {
      Validations.of(project.role!).acknowledge({
        id: `AwsSolutions-IAM5[${nagResourceName(project, resource)}]`,
        reason:
          'Each build reads its own context (images/<name>/<version>/context/) and the registered artifacts it serves (models/, uploads/, mlflow/), and writes its model data (images/<name>/<version>/model.tar.gz); the names are known only per build.',
      });
    }
    const { partition, region, account } = Stack.of(this);
    const projectDefaults: [string, string][] = [
      [
        `arn:${partition}:logs:${region}:${account}:log-group:/aws/codebuild/${project.projectName}:*`,
        "CodeBuild's default log group, granted by every project; this project logs to its own group instead.",
      ],
      [
        `arn:${partition}:codebuild:${region}:${account}:report-group/${project.projectName}-*`,
        'The test report groups of the project, granted by every project; image builds write no reports.',
      ],
    ];
    for (const [resource, reason] of projectDefaults) {
      Validations.of(project.role!).acknowledge({ id: `AwsSolutions-IAM5[${nagResourceName(project, resource)}]`, reason });
    }
    Validations.of(project.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken (docker login) supports no resource-level permissions.',
    });
    Validations.of(project).acknowledge({ id: 'AwsSolutions-CB3', reason: 'Building Docker images needs the privileged Docker daemon.' });
    if (!props.encryptionKey) {
      Validations.of(project).acknowledge({
        id: 'AwsSolutions-CB4',
        reason:
          'The project keeps no build output: images go to ECR and model data to the artifact bucket, each encrypted by its own settings. A customer-managed key is used when the platform has one.',
      });
    }
    return project;
  }

  /**
   * Lets `fn` create model packages, each model's group with its first package, and with `approve`
   * change their approval. Each action on the resources it is authorised on: a group's creation on
   * groups, a versioned package's creation on its group and on the package, an approval change on
   * the package; all held to the platform's groups (`mlops-*`, see `modelPackageGroupName`).
   * Packages mirrored before groups had the prefix are outside it: their approval no longer follows the alias.
   */
  private grantModelPackages(fn: PlatformFunction, { approve }: { readonly approve: boolean }): void {
    const stack = Stack.of(this);
    const groups = stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: `${MODEL_PACKAGE_GROUP_PREFIX}*` });
    const packages = stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${MODEL_PACKAGE_GROUP_PREFIX}*/*` });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sagemaker:CreateModelPackageGroup', 'sagemaker:CreateModelPackage'], resources: [groups] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:CreateModelPackage', ...(approve ? ['sagemaker:UpdateModelPackage'] : [])], resources: [packages] }),
    );
    for (const resource of [groups, packages]) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[${nagResourceName(fn, resource)}]`,
        reason: 'Each registry model has its own model package group (mlops-<name>-<digest>), created on its first image; its name is known only then.',
      });
    }
  }

  /** Where registered model artifacts are: the registry's upload prefixes, and MLflow's artifacts for directories. */
  private modelArtifacts(bucket: s3.IBucket): string[] {
    return DIRECTORY_ARTIFACT_PREFIXES.map((prefix) => bucket.arnForObjects(`${prefix}*`));
  }

  /**
   * Tells `fn` (RegisterImage) where builds may take code from and images built elsewhere may come
   * from, and lets it read the digests of images in those repositories only (none by default: the
   * platform's own images are registered by their builds).
   */
  private bindImageSources(fn: PlatformFunction, props: InferenceImagesProps): void {
    const stack = Stack.of(this);
    const accountRegistry = `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}`;
    const sources = {
      BASE_IMAGE_REGISTRIES: checkedSources(
        'allowedBaseImageRegistries',
        'registry',
        props.allowedBaseImageRegistries ?? [PUBLIC_ECR_REGISTRY, accountRegistry],
      ),
      PACKAGE_INDEXES: checkedSources('allowedPackageIndexes', 'packageIndex', props.allowedPackageIndexes ?? [DEFAULT_PACKAGE_INDEX]),
      EXTERNAL_IMAGE_REPOSITORIES: props.externalImageRepositories ?? [],
    };
    for (const [variable, values] of Object.entries(sources)) fn.addEnvironment(variable, values.join(','));
    fn.addEnvironment('IMAGE_REGISTRY', accountRegistry);

    const external = [...this.externalImageRepositoryArns];
    if (external.length > 0) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecr:DescribeImages'], resources: external }));
    for (const resource of external.filter((arn) => arn.endsWith('*'))) {
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[${nagResourceName(fn, resource)}]`,
        reason: "The deployer named these repositories by prefix (externalImageRepositories); DescribeImages only reads an image's digest and scan summary.",
      });
    }
  }
}

/** `values` of the prop `prop`, each checked against its format (tokens are taken as they are); a list must not be empty unless `mayBeEmpty`. */
function checkedSources(prop: string, format: keyof typeof SOURCE_FORMATS, values: readonly string[], { mayBeEmpty = false } = {}): readonly string[] {
  if (values.length === 0 && !mayBeEmpty) throw new Error(`${prop} must name at least one source: builds need somewhere to take code from`);
  const { pattern, description } = SOURCE_FORMATS[format];
  for (const value of values) {
    if (!Token.isUnresolved(value) && !pattern.test(value)) throw new Error(`${prop} must hold only ${description}, got "${value}"`);
  }
  return values;
}
