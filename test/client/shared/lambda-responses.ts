import type { InvokeCommandInput, InvokeCommandOutput } from '@aws-sdk/client-lambda';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Payload = InvokeCommandOutput['Payload'];

/** What Lambda returns when the function answered `value`. */
export const functionResult = (value: unknown): Partial<InvokeCommandOutput> => ({
  StatusCode: 200,
  Payload: encoder.encode(JSON.stringify(value)) as Payload,
});

/** What Lambda returns when the function threw (the runtime's error payload). */
export const functionError = (errorType: string, errorMessage: string): Partial<InvokeCommandOutput> => ({
  StatusCode: 200,
  FunctionError: 'Unhandled',
  Payload: encoder.encode(JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`] })) as Payload,
});

/** The JSON payload a recorded invoke carried. */
export const sentPayload = (input: InvokeCommandInput): unknown => JSON.parse(decoder.decode(input.Payload as Uint8Array));
