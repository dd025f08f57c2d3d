import * as z from 'zod/mini';

/** Field schemas the request contracts of several capabilities share. */

/**
 * C0 and C1 control characters and DEL: printed raw they drive a terminal (an OSC sequence retitles
 * it or writes the clipboard; C1's CSI moves the cursor), so no text field takes them.
 */
export const noControlCharacters = z.regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, 'must not hold control characters');

/** Free text of several lines (descriptions, reasons, command lines) may break lines and indent: `\n` and `\t`, no other control. */
export const noControlCharactersButLineBreaks = z.regex(
  /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$/,
  'must not hold control characters other than line breaks and tabs',
);

/** One-line text (names, values, identities) of at most `max` characters. */
export const Text = (max: number) => z.string().check(z.maxLength(max), noControlCharacters);

/** Free text of several lines (descriptions, reasons, command lines) of at most `max` characters. */
export const LongText = (max: number) => z.string().check(z.maxLength(max), noControlCharactersButLineBreaks);

/**
 * The magnitudes a stored number may have. DynamoDB keeps 38 significant digits between 1e-130 and
 * 1e125; the document client writes a number as `String(x)`, the shortest decimal that parses back
 * to the same double (at most 17 digits), so every double in range round-trips exactly. Above 2^53
 * the document client refuses numbers (it would read them back as BigInt), and they are not what
 * the caller meant anyway: JSON parsing has already rounded them (9007199254740993 arrives as
 * 9007199254740992). Below 1e-130 DynamoDB refuses them (5e-324 and other subnormals).
 */
export const STORED_NUMBER_RANGE = { max: Number.MAX_SAFE_INTEGER, minMagnitude: 1e-130 } as const;

/** Whether DynamoDB (through the document client) stores `value` and gives it back unchanged. */
export const isStorableNumber = (value: number): boolean =>
  Number.isFinite(value) && Math.abs(value) <= STORED_NUMBER_RANGE.max && (value === 0 || Math.abs(value) >= STORED_NUMBER_RANGE.minMagnitude);

/**
 * A number the platform computed (a drift score) as DynamoDB can hold it: below 1e-130 in magnitude
 * it is 0 (a p-value of 1e-200 is 0 for any decision), beyond 2^53 - 1 it is held at that bound,
 * and what is not finite is null. Records keep these for lists; reports keep the exact values.
 */
export function toStorableNumber(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  if (Math.abs(value) < STORED_NUMBER_RANGE.minMagnitude) return 0;
  return Math.min(Math.max(value, -STORED_NUMBER_RANGE.max), STORED_NUMBER_RANGE.max);
}

const OUT_OF_SAFE_RANGE = 'must be at most 9007199254740991 (2^53 - 1) in magnitude: larger numbers do not survive JSON and DynamoDB unchanged';

/**
 * A number a caller stores (metric values): finite, at most 2^53 - 1 in magnitude, and 0 or at
 * least 1e-130 in magnitude (see `STORED_NUMBER_RANGE`), refused rather than changed.
 */
export const MetricValue = z.number().check(
  z.gte(-STORED_NUMBER_RANGE.max, OUT_OF_SAFE_RANGE),
  z.lte(STORED_NUMBER_RANGE.max, OUT_OF_SAFE_RANGE),
  z.refine(
    (value: number) => value === 0 || Math.abs(value) >= STORED_NUMBER_RANGE.minMagnitude,
    'must be 0 or at least 1e-130 in magnitude (DynamoDB stores no smaller number)',
  ),
  // What JSON Schema cannot say as a keyword, for callers in other languages.
  z.describe('A finite number, 0 or between 1e-130 and 9007199254740991 in magnitude; stored and returned unchanged.'),
);

/** Names of metrics and parameters, as MLflow allows them: letters and digits of any script, `_ - . / :` and spaces. */
export const KEY_NAME_PATTERN = /^[\p{L}\p{N}_.\-/: ]+$/u;

export const KeyName = z.string().check(
  z.minLength(1),
  z.maxLength(250),
  z.regex(KEY_NAME_PATTERN, 'must hold only letters, digits, "_", "-", ".", "/", ":" and spaces'),
  // A key of a plain object that JSON parsing and spreading treat as the prototype, not as data.
  z.refine((name: string) => name !== '__proto__', 'is reserved'),
);

export const TagKey = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_.:/=+@-]+$/, 'must hold only letters, digits and "_.:/=+@-"'));
export const TagValue = Text(256);

/** Client tokens and batch ids. */
export const Identifier = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:-]+$/, 'must hold only letters, digits and "._:-"'));

/** Who makes a change: a user or pipeline identity, kept in the record. */
export const Actor = Text(256).check(z.minLength(1));

/** A record of at most `max` entries, `{}` when absent. */
export const boundedRecord = <V extends z.ZodMiniType>(key: z.ZodMiniType<string>, value: V, max: number) =>
  z._default(z.record(key, value).check(z.refine((record: object) => Object.keys(record).length <= max, `must hold at most ${max} entries`)), {});

export const utf8Length = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** The paging fields of list queries. */
export const Page = {
  limit: z._default(z.int().check(z.gte(1), z.lte(100)), 25),
  nextToken: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
};
