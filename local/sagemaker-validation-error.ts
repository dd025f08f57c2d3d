/** SageMaker's answer to a request it refuses (`ValidationException`): the SDK surfaces the name as the error's. */
export class SageMakerValidationError extends Error {
  override readonly name = 'ValidationException';
}

export const validation = (message: string) => new SageMakerValidationError(message);
