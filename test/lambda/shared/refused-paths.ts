import { ValidationError } from '../../../lambda/shared/errors';
import { parseRequest } from '../../../lambda/shared/validation';

/** The distinct paths a schema names when it refuses `input`, sorted; fails the test if the input is accepted. */
export function refusedPaths(schema: Parameters<typeof parseRequest>[0], input: unknown): string[] {
  try {
    parseRequest(schema, input);
  } catch (error) {
    if (error instanceof ValidationError) return [...new Set(error.issues.map((issue) => issue.path))].sort();
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}
