import { ProductionVariantInstanceType } from '@aws-sdk/client-sagemaker';
import { HOSTING_INSTANCE_TYPES } from '../../../../lambda/deployments/core/hosting-instance-types';
import { sageMakerNames } from '../../../../lambda/deployments/core/sagemaker-names';
import { DeploymentName } from '../../../../lambda/deployments/core/schemas';
import { parseRequest } from '../../../../lambda/shared/validation';

describe('hosting instance types', () => {
  it("are exactly the SDK's ProductionVariantInstanceType, so an SDK update brings new types", () => {
    expect([...HOSTING_INSTANCE_TYPES].sort()).toEqual(Object.values(ProductionVariantInstanceType).sort());
  });
});

describe('sageMakerNames', () => {
  it("fit SageMaker's 63 characters for the longest deployment name and a 10-digit revision", () => {
    const longest = parseRequest(DeploymentName, 'a'.repeat(40));
    const names = sageMakerNames(longest, 9_999_999_999);

    expect(Math.max(...Object.values(names).map((name) => name.length))).toBeLessThanOrEqual(63);
    expect(sageMakerNames('churn-api', 3)).toEqual({ endpoint: 'mlops-churn-api', endpointConfig: 'mlops-churn-api-3', model: 'mlops-churn-api-3' });
  });
});
