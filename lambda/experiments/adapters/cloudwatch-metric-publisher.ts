import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Clock } from '../../shared/clock';
import { planPutMetricData } from '../core/cloudwatch-batching';
import type { MetricSeries, RunRecord } from '../core/model';
import type { MetricPublisher } from '../core/ports';

/** Sends a batch's points to CloudWatch as planned by `planPutMetricData`, under the run's dimensions. */
export class CloudWatchMetricPublisher implements MetricPublisher {
  constructor(
    private readonly cloudWatch: CloudWatchClient,
    private readonly namespace: string,
    private readonly clock: Clock,
  ) {}

  async publish(run: Pick<RunRecord, 'runId' | 'experiment'>, series: readonly MetricSeries[]): Promise<void> {
    const dimensions = [
      { Name: 'Experiment', Value: run.experiment },
      { Name: 'RunId', Value: run.runId },
    ];
    const { requests } = planPutMetricData(series, dimensions, this.clock.now().getTime());
    await Promise.all(
      requests.map((datums) =>
        this.cloudWatch.send(
          new PutMetricDataCommand({ Namespace: this.namespace, MetricData: datums.map((datum) => ({ ...datum, Dimensions: [...datum.Dimensions] })) }),
        ),
      ),
    );
  }
}
