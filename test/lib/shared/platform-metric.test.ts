import { Duration } from 'aws-cdk-lib';
import { platformMetric } from '../../../lib/shared/platform-metric';

describe('platformMetric', () => {
  test("is in the platform namespace, with the function's service dimension and its own", () => {
    const metric = platformMetric({ service: 'EndRun', metricName: 'RunsEnded', statistic: 'Sum', dimensions: { status: 'FAILED' } });

    expect(metric).toMatchObject({
      namespace: 'MlopsPlatform',
      metricName: 'RunsEnded',
      statistic: 'Sum',
      dimensions: { service: 'EndRun', status: 'FAILED' },
      period: Duration.minutes(5),
    });
  });

  test('takes the options it is given over its own', () => {
    const metric = platformMetric(
      { service: 'StartRun', metricName: 'RunsStarted', statistic: 'Sum' },
      { statistic: 'Maximum', period: Duration.hours(1), label: 'started' },
    );

    expect(metric).toMatchObject({ statistic: 'Maximum', period: Duration.hours(1), label: 'started', dimensions: { service: 'StartRun' } });
  });
});
