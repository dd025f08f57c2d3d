import type * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../../shared/errors';
import { parseRequest } from '../../shared/validation';
import { MlflowError } from './mlflow-error';

/**
 * A request checked against its schema, refused as MLflow's server refuses it: one message, about the
 * first bad field, in MLflow's words (clients and their users match on them).
 */
export function parseMlflowRequest<S extends z.ZodMiniType>(schema: S, input: Record<string, unknown>): z.output<S> {
  try {
    return parseRequest(schema, input);
  } catch (error) {
    if (error instanceof ValidationError && error.issues.length > 0) throw mlflowRefusal(error.issues[0], input);
    throw error;
  }
}

const SEE_DOCS = 'See the API docs for more information about request parameters.';
/** A refusal quotes at most this much of the caller's value. */
const MAX_QUOTED = 200;

function mlflowRefusal(issue: FieldIssue, input: Record<string, unknown>): MlflowError {
  const value = valueAt(input, issue.path);
  if (value === undefined || value === null || value === '') return MlflowError.invalid(`Missing value for required parameter '${issue.path}'. ${SEE_DOCS}`);
  // A schema message naming its field is already MLflow's whole sentence ("Parameter 'version' must be an integer, ...").
  if (issue.message.includes(`'${issue.path}'`)) return MlflowError.invalid(issue.message);
  const quoted = JSON.stringify(value)?.slice(0, MAX_QUOTED);
  if (issue.message.startsWith('Invalid input: expected')) {
    return MlflowError.invalid(`Invalid value ${quoted} for parameter '${issue.path}' supplied:  Hint: Value was of type '${pythonType(value)}'. ${SEE_DOCS}`);
  }
  const tooLong = /^Too big: expected string to have <=(\d+) characters$/.exec(issue.message);
  if (tooLong) return MlflowError.invalid(`'${issue.path}' exceeds the maximum length of ${tooLong[1]} characters`);
  return MlflowError.invalid(`Invalid value ${quoted} for parameter '${issue.path}' supplied: ${issue.message}`);
}

/** The value at a path as `formatPath` writes it (`metrics[0].key`). */
function valueAt(input: unknown, path: string): unknown {
  let value = input;
  for (const [, name, index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = name ?? Number(index);
    value = Object.hasOwn(value, key) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return value;
}

/** The type Python gives a JSON value, as MLflow's hints name it. */
function pythonType(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return ({ string: 'str', boolean: 'bool', object: 'dict' } as Record<string, string>)[typeof value] ?? typeof value;
}
