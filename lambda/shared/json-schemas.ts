import * as z from 'zod/mini';
import { deploymentsRequestSchemas } from '../deployments/core/schemas';
import { experimentRequestSchemas } from '../experiments/core/schemas';
import { imagesRequestSchemas } from '../images/core/schemas';
import { monitoringRequestSchemas } from '../monitoring/core/schemas';
import { registryRequestSchemas } from '../registry/core/schemas';

/** The request schema of every function callers invoke, by the function that takes it. */
const requestSchemas: Record<string, z.ZodMiniType> = {
  ...registryRequestSchemas,
  ...experimentRequestSchemas,
  ...monitoringRequestSchemas,
  ...imagesRequestSchemas,
  ...deploymentsRequestSchemas,
};

/**
 * The request contracts as JSON Schema (draft 2020-12), for callers in other languages (boto3,
 * Step Functions, GitHub Actions). Generated from the zod schemas the handlers validate with.
 */
export function publishedJsonSchemas(): Record<string, object> {
  return Object.fromEntries(
    Object.entries(requestSchemas).map(([operation, schema]) => [
      operation,
      { $id: `mlops-platform/${operation}.request.json`, title: `${operation} request`, ...z.toJSONSchema(schema, { io: 'input' }) },
    ]),
  );
}
