import { describeNeed } from '../../handler-support/iam-needs';
import { recordIamNeeds } from '../../handler-support/scenarios';
import { imagesScenarios } from './handler-scenarios';

describe('recordIamNeeds', () => {
  it('lists what RegisterImage needs: the images and registry tables, reads of image-inputs/, of artifact versions and of directory manifests, writes under images/, without listing, the build, the allowed repositories, package creation', async () => {
    const needs = await recordIamNeeds('RegisterImage', imagesScenarios.RegisterImage);

    expect(needs.map(describeNeed)).toEqual([
      'codebuild:StartBuild on image-build-project',
      'dynamodb:GetItem on images-table',
      'dynamodb:GetItem on registry-table',
      'dynamodb:PutItem on images-table',
      'dynamodb:UpdateItem on images-table',
      'ecr:DescribeImages on ecr:repository/team/*',
      'events:PutEvents on event-bus',
      's3:GetObject on artifact-bucket/image-inputs/*',
      // An external image's model data is copied from the registered artifact version; an MLflow model directory's
      // manifest and requirements.txt are read by the versions the registry pinned.
      's3:GetObject on artifact-bucket/mlflow/*',
      's3:GetObject on artifact-bucket/models/*',
      's3:GetObject on artifact-bucket/registry-manifests/*',
      's3:GetObject on artifact-bucket/uploads/*',
      's3:GetObjectVersion on artifact-bucket/mlflow/*',
      's3:GetObjectVersion on artifact-bucket/models/*',
      's3:GetObjectVersion on artifact-bucket/registry-manifests/*',
      's3:GetObjectVersion on artifact-bucket/uploads/*',
      's3:PutObject on artifact-bucket/images/*',
      'sagemaker:CreateModelPackage on sagemaker:model-package-group/mlops-*',
      'sagemaker:CreateModelPackage on sagemaker:model-package/mlops-*/*',
      'sagemaker:CreateModelPackageGroup on sagemaker:model-package-group/mlops-*',
    ]);
  });

  it("lists what ImageEvents needs: the images table and its served-model index, the registry's aliases, the platform repository, package creation and approval", async () => {
    const needs = await recordIamNeeds('ImageEvents', imagesScenarios.ImageEvents);

    expect(needs.map(describeNeed)).toEqual([
      'dynamodb:GetItem on images-table',
      'dynamodb:GetItem on registry-table',
      'dynamodb:Query on images-table/index/gsi1',
      'dynamodb:UpdateItem on images-table',
      'ecr:DescribeImages on image-repository',
      'events:PutEvents on event-bus',
      'sagemaker:CreateModelPackage on sagemaker:model-package-group/mlops-*',
      'sagemaker:CreateModelPackage on sagemaker:model-package/mlops-*/*',
      'sagemaker:CreateModelPackageGroup on sagemaker:model-package-group/mlops-*',
      'sagemaker:UpdateModelPackage on sagemaker:model-package/mlops-*/*',
    ]);
  });

  it('lists what QueryImages needs: reads of the images table and its image index', async () => {
    const needs = await recordIamNeeds('QueryImages', imagesScenarios.QueryImages);

    expect(needs.map(describeNeed)).toEqual([
      'dynamodb:GetItem on images-table',
      'dynamodb:Query on images-table',
      'dynamodb:Query on images-table/index/gsi1',
    ]);
  });
});
