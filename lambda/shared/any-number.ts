import { isStorableNumber } from './schema-fields';

/**
 * Any double as an attribute can hold it. MLflow's clients log NaN, the infinities and magnitudes a
 * DynamoDB number attribute cannot hold (or the document client cannot read back exactly): those are
 * stored as their shortest decimal text (`String(x)`, which `Number` reads back to the same double).
 */
export const toAttributeNumber = (value: number): number | string => (isStorableNumber(value) ? value : String(value));

export const fromAttributeNumber = (value: unknown): number => (typeof value === 'string' ? Number(value) : (value as number));
