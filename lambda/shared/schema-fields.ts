import * as z from 'zod/mini';

/** Field schemas the request contracts of several capabilities share. */

export const noControlCharacters = z.regex(/^[^\u0000-\u001f\u007f]*$/, 'must not hold control characters');

/** Names of metrics and parameters, as MLflow allows them. */
export const KeyName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(250),
    z.regex(/^[A-Za-z0-9_.\-/ ]+$/, 'must hold only letters, digits, "_", "-", ".", "/" and spaces'),
    // A key of a plain object that JSON parsing and spreading treat as the prototype, not as data.
    z.refine((name: string) => name !== '__proto__', 'is reserved'),
  );

export const TagKey = z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_.:/=+@-]+$/, 'must hold only letters, digits and "_.:/=+@-"'));
export const TagValue = z.string().check(z.maxLength(256), noControlCharacters);

/** Client tokens and batch ids. */
export const Identifier = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:-]+$/, 'must hold only letters, digits and "._:-"'));

/** Who makes a change: a user or pipeline identity, kept in the record. */
export const Actor = z.string().check(z.minLength(1), z.maxLength(256), noControlCharacters);

/** A record of at most `max` entries, `{}` when absent. */
export const boundedRecord = <V extends z.ZodMiniType>(key: z.ZodMiniType<string>, value: V, max: number) =>
  z._default(
    z.record(key, value).check(z.refine((record: object) => Object.keys(record).length <= max, `must hold at most ${max} entries`)),
    {},
  );

export const utf8Length = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** The paging fields of list queries. */
export const Page = {
  limit: z._default(z.int().check(z.gte(1), z.lte(100)), 25),
  nextToken: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
};
