import type * as z from 'zod/mini';
import { ValidationError as RefusedRequestError } from '../../lambda/shared/errors';
import { parseRequest } from '../../lambda/shared/validation';
import { ValidationError } from './errors';

/** Parses with the function's own schema, so a bad request fails here with the function's message. */
export function validate<S extends z.ZodMiniType>(schema: S, request: unknown): z.output<S> {
  try {
    return parseRequest(schema, request);
  } catch (error) {
    if (error instanceof RefusedRequestError) throw new ValidationError(error.message, error.issues);
    throw error;
  }
}
