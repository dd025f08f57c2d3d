import * as z from 'zod/mini';
import { KEY_NAME_PATTERN, noControlCharacters } from '../../shared/schema-fields';

/**
 * Field schemas of MLflow's protocol as its clients send it: JSON bodies for POST, PATCH and DELETE,
 * query strings for GET (every value a string, repeated fields as repeated keys), int64 fields as
 * numbers or numeric strings, doubles as numbers or "NaN"/"Infinity"/"-Infinity".
 */

const INT64_TEXT = /^-?\d{1,19}$/;

/** An int64 field: a JSON number or a numeric string, within the range a double holds exactly. */
export const Int64 = z
  .pipe(
    z.union([z.int(), z.string().check(z.regex(INT64_TEXT, 'must be an integer'))]),
    z.transform((value: number | string) => Number(value)),
  )
  .check(z.refine((value: number) => Number.isSafeInteger(value), 'must be an integer within ±9007199254740991'));

const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** A double field: a number, or protobuf JSON's "NaN", "Infinity", "-Infinity" (how MLflow's client sends them). */
export const Double = z.pipe(
  z.union([
    z.number(),
    z.string().check(z.refine((text: string) => text in NON_FINITE || (text.trim() !== '' && !Number.isNaN(Number(text))), 'must be a number')),
  ]),
  z.transform((value: number | string) => (typeof value === 'number' ? value : (NON_FINITE[value] ?? Number(value)))),
);

/** A bool field: JSON true/false, or "true"/"false" in a query string (any case), as MLflow's server takes them. */
export const Bool = z.pipe(
  z.union([z.boolean(), z.string().check(z.regex(/^(true|false)$/i, "must be 'true' or 'false'"))]),
  z.transform((value: boolean | string) => (typeof value === 'boolean' ? value : value.toLowerCase() === 'true')),
);

/** A repeated field: a JSON array, or one value where a query string had the key once. */
export const repeated = <S extends z.ZodMiniType>(item: S) =>
  z._default(
    z.pipe(
      z.union([z.array(item), item]),
      z.transform((value) => (Array.isArray(value) ? value : [value]) as z.output<S>[]),
    ),
    [],
  ) as unknown as z.ZodMiniType<z.output<S>[], unknown>;

/** A string MLflow's server requires: absent or empty is "missing". */
export const requiredString = (max = 8000) => z.string().check(z.minLength(1, 'is required'), z.maxLength(max), noControlCharacters);

export const optionalString = (max = 8000) => z.optional(z.string().check(z.maxLength(max), noControlCharacters));

/**
 * A metric, param or tag key as MLflow takes it: letters and digits of any script, `_ - . / :` and
 * spaces, and no name that reads as another path (`a/../b`, `/a`, `.`), since MLflow treats keys as
 * file names in places. `__proto__` is reserved: a plain object would take it as its prototype.
 */
export const MlflowKey = (max = 250) =>
  requiredString(max).check(
    z.regex(KEY_NAME_PATTERN, 'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).'),
    z.refine(
      (key: string) => !key.startsWith('/') && key.split('/').every((segment) => segment !== '.' && segment !== '..' && segment !== ''),
      'Names may be treated as files in certain cases, and must not resolve to other names when treated as such.',
    ),
    z.refine((key: string) => key !== '__proto__', 'is a reserved name'),
  );

/** `{key, value}` pairs: MLflow's tags and params. `value` may be absent (an empty string). */
export const KeyValue = (maxKey: number, maxValue: number) =>
  z.looseObject({
    key: MlflowKey(maxKey),
    value: z._default(z.string().check(z.maxLength(maxValue)), ''),
  });

/** MLflow's `view_type`/`run_view_type`: by name or number. */
export const ViewType = z._default(
  z.pipe(
    z.union([z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']), z.literal(1), z.literal(2), z.literal(3), z.enum(['1', '2', '3'])]),
    z.transform((value) => (({ 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' }) as Record<string, string>)[String(value)] ?? String(value)),
  ),
  'ACTIVE_ONLY',
) as unknown as z.ZodMiniType<'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL', unknown>;

/** Which lifecycle stages a view shows. */
export const showsStage = (view: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL', stage: 'active' | 'deleted') =>
  view === 'ALL' || (view === 'ACTIVE_ONLY') === (stage === 'active');
