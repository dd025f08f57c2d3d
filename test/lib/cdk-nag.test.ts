import { AwsSolutionsChecks } from 'cdk-nag';
import { platformApp } from '../support/platform-app';

describe('cdk-nag AwsSolutions', () => {
  test.each([
    ['default', {}],
    ['customer-managed key', { customerManagedKey: true }],
  ])('finds no unacknowledged error or warning (%s)', (_name, props) => {
    const { app } = platformApp(props);

    const report = new AwsSolutionsChecks(app).validateScope(app);

    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });
});
