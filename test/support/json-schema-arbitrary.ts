import * as fc from 'fast-check';

/**
 * Payloads for property tests, derived from the published JSON Schemas (the subset of draft 2020-12
 * that zod writes: objects, records through `propertyNames`, arrays, strings with patterns, numbers,
 * enums, consts, unions). Sizes are kept small: the point is the shape of a request, not its bulk.
 */

export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
}

/**
 * Widens what a property of this name gets, given what its schema alone gives: a known model, run
 * or object, so that some payloads reach past "not found" into the use case.
 */
export type FieldHints = Readonly<Record<string, (derived: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>>>;

/**
 * Values mixed into the leaves (one in `oneIn` draws), so the mutation is inside the shape: a metric
 * value, a param name, a description.
 */
export interface LeafAlternatives {
  readonly numbers?: fc.Arbitrary<number>;
  readonly keys?: fc.Arbitrary<string>;
  readonly text?: fc.Arbitrary<string>;
  /** @default 8 */
  readonly oneIn?: number;
}

export interface ArbitraryOptions {
  readonly hints?: FieldHints;
  readonly leaves?: LeafAlternatives;
}

const MAX_STRING = 40;
const MAX_ENTRIES = 3;

function mixed<T>(derived: fc.Arbitrary<T>, alternative: fc.Arbitrary<T> | undefined, oneIn: number): fc.Arbitrary<T> {
  return alternative ? fc.oneof({ weight: oneIn - 1, arbitrary: derived }, { weight: 1, arbitrary: alternative }) : derived;
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? MAX_STRING, MAX_STRING));
  if (schema.format === 'date-time')
    return fc.date({ min: new Date('2001-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((text) => text.length >= minLength && text.length <= (schema.maxLength ?? Infinity))
      .map((text) => text.slice(0, Math.max(minLength, MAX_STRING * 4)));
  }
  return fc.string({ minLength, maxLength, unit: 'grapheme-ascii' });
}

function numberArbitrary(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : Number.EPSILON) : -1e6);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : Number.EPSILON) : 1e6);
  if (integer) return fc.integer({ min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function objectArbitrary(schema: JsonSchema, options: ArbitraryOptions): fc.Arbitrary<Record<string, unknown>> {
  const hints = options.hints ?? {};
  if (schema.properties) {
    const required = new Set(schema.required ?? []);
    const shape = Object.fromEntries(
      Object.entries(schema.properties).map(([name, inner]) => {
        const derived = arbitraryFor(inner, options);
        return [name, Object.hasOwn(hints, name) ? hints[name](derived) : derived];
      }),
    );
    const requiredKeys = Object.keys(shape).filter((name) => required.has(name));
    return fc.record(shape, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
  }
  // A record: keys from `propertyNames`, values from `additionalProperties`.
  const derivedKeys = schema.propertyNames ? (arbitraryFor(schema.propertyNames, options) as fc.Arbitrary<string>) : fc.string({ minLength: 1, maxLength: 10 });
  const keys = mixed(derivedKeys, options.leaves?.keys, options.leaves?.oneIn ?? 8);
  const values = typeof schema.additionalProperties === 'object' ? arbitraryFor(schema.additionalProperties, options) : fc.jsonValue({ maxDepth: 1 });
  return fc.dictionary(keys, values, { maxKeys: MAX_ENTRIES, noNullPrototype: true });
}

/**
 * An arbitrary of values that `schema` describes: valid ones, as far as patterns and bounds go,
 * unless `options.leaves` mixes other values into the leaves.
 */
export function arbitraryFor(schema: JsonSchema, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return fc.oneof(...union.map((branch) => arbitraryFor(branch, options)));
  if (schema.allOf) return arbitraryFor(Object.assign({}, ...schema.allOf) as JsonSchema, options);
  const oneIn = options.leaves?.oneIn ?? 8;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return objectArbitrary(schema, options);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(schema.items ? arbitraryFor(schema.items, options) : fc.jsonValue({ maxDepth: 1 }), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ENTRIES, MAX_ENTRIES)),
      });
    }
    case 'string':
      return mixed(stringArbitrary(schema), options.leaves?.text, oneIn);
    case 'integer':
      return mixed(numberArbitrary(schema, true), options.leaves?.numbers, oneIn);
    case 'number':
      return mixed(numberArbitrary(schema, false), options.leaves?.numbers, oneIn);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
