import { ValidationError } from '../../../lambda/shared/errors';
import { parseRequest } from '../../../lambda/shared/validation';

/** The issues a schema names when it refuses `input`; fails the test if the input is accepted. */
export function refusalIssues(schema: Parameters<typeof parseRequest>[0], input: unknown): ValidationError['issues'] {
  try {
    parseRequest(schema, input);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

/** The distinct paths a schema names when it refuses `input`, sorted; fails the test if the input is accepted. */
export function refusedPaths(schema: Parameters<typeof parseRequest>[0], input: unknown): string[] {
  return [...new Set(refusalIssues(schema, input).map((issue) => issue.path))].sort();
}
