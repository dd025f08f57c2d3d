import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { PlatformError } from './errors';
import { toLambdaError } from './lambda-error';
import { parseRequest } from './validation';

/** Shared per container: Powertools reads its service name and namespace from the environment. */
export const logger = new Logger();
export const metrics = new Metrics();

/**
 * Builds a Lambda handler from a request schema and one use case: parse, run, map errors.
 * Expected failures are logged at info level; anything else is logged with its stack and
 * surfaces as `InternalError`.
 */
export function createHandler<S extends z.ZodMiniType, R>(
  schema: S,
  useCase: (request: z.output<S>) => Promise<R>,
): (event: unknown, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await useCase(parseRequest(schema, event));
    } catch (error) {
      if (error instanceof PlatformError) {
        logger.info('request refused', { errorType: error.errorType, reason: error.message });
      } else {
        logger.error('request failed', error as Error);
      }
      throw toLambdaError(error, context.awsRequestId);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
