import * as z from 'zod/mini';
import { registryRequestSchemas } from './schemas';

/**
 * The registry's request contracts as JSON Schema (draft 2020-12), for callers in other languages
 * (boto3, Step Functions, GitHub Actions). Generated from the zod schemas the handlers validate with.
 */
export function registryJsonSchemas(): Record<string, object> {
  return Object.fromEntries(
    Object.entries(registryRequestSchemas).map(([operation, schema]) => [
      operation,
      { $id: `mlops-platform/${operation}.request.json`, title: `${operation} request`, ...z.toJSONSchema(schema, { io: 'input' }) },
    ]),
  );
}
