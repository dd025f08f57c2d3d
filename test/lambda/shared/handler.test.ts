import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { NotFoundError } from '../../../lambda/shared/errors';
import { createHandler, logger, metrics } from '../../../lambda/shared/handler';

const context = { awsRequestId: 'request-7', functionName: 'QueryRegistry' } as Context;
const Request = z.strictObject({ name: z.string().check(z.minLength(1)) });

describe('createHandler', () => {
  let info: jest.SpyInstance;
  let error: jest.SpyInstance;
  let publish: jest.SpyInstance;

  beforeEach(() => {
    info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    publish = jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    metrics.clearMetrics();
  });

  it('passes the parsed request to the use case and returns its result, publishing its metrics', async () => {
    const useCase = jest.fn(async (request: { name: string }) => {
      metrics.addMetric('Greetings', MetricUnit.Count, 1);
      return { hello: request.name };
    });

    const result = await createHandler(Request, useCase)({ name: 'churn' }, context);

    expect(result).toEqual({ hello: 'churn' });
    expect(useCase).toHaveBeenCalledWith({ name: 'churn' });
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('fails with ValidationError without running the use case', async () => {
    const useCase = jest.fn(async () => 'ran');

    await expect(createHandler(Request, useCase)({ name: '' }, context)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^name: /),
    });
    expect(useCase).not.toHaveBeenCalled();
  });

  it('fails with the platform error the use case throws, logging it at info level', async () => {
    const handler = createHandler(Request, async () => {
      throw new NotFoundError('no model named "churn"');
    });

    await expect(handler({ name: 'churn' }, context)).rejects.toMatchObject({ name: 'NotFoundError', message: 'no model named "churn"' });
    expect(info).toHaveBeenCalledWith('request refused', { errorType: 'NotFoundError', reason: 'no model named "churn"' });
    expect(error).not.toHaveBeenCalled();
  });

  it('fails with InternalError on an unexpected error, logging the error itself and still publishing metrics', async () => {
    const internal = new Error('socket hang up talking to dynamodb.eu-west-1.amazonaws.com');
    const handler = createHandler(Request, async () => {
      metrics.addMetric('Attempts', MetricUnit.Count, 1);
      throw internal;
    });

    await expect(handler({ name: 'churn' }, context)).rejects.toMatchObject({ name: 'InternalError', message: expect.stringContaining('request-7') });
    expect(error).toHaveBeenCalledWith('request failed', internal);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('publishes nothing when the use case recorded no metric', async () => {
    await createHandler(Request, async () => 'quiet')({ name: 'churn' }, context);

    expect(publish).not.toHaveBeenCalled();
  });
});
