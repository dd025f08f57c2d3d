import * as fc from 'fast-check';

/**
 * What the fuzzing of issue 14 sent, as fast-check arbitraries: a well-shaped request with one
 * part replaced by something a hostile or careless caller sends. Every value survives JSON, since
 * that is how it reaches a function.
 */

/** Numbers JSON carries but a DynamoDB number (38 digits, 1e-130..1e125) cannot hold, or that do not round-trip. */
export const UNSTORABLE_NUMBERS = [
  1e308,
  -1e308,
  5e-324,
  2 ** 63,
  1e20,
  9007199254740993,
  1.7976931348623157e308,
  1e-131,
  1e126,
  123456789012345678901234567890123456789,
];

/** Keys that a plain object treats as its prototype's, not as data. */
export const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'isPrototypeOf'];

/** Text that writes to a terminal (OSC title, OSC 52 clipboard, CSI through C1) or is otherwise hostile. */
export const HOSTILE_TEXT = [
  '\u0000',
  'a\u001b]0;pwned\u0007b',
  '\u001b]52;c;ZXZpbA==\u0007',
  'x\u009b31my',
  '\u0085next line',
  'r\u202etxt.exe',
  '\ud800',
  '',
  ' ',
  '../../etc/passwd',
  's3://another-teams-bucket/data.csv',
  'x'.repeat(70_000),
];

/** What the leaves of a request may hold instead of what its schema describes. */
export const HOSTILE_LEAVES = {
  numbers: fc.constantFrom(...UNSTORABLE_NUMBERS),
  keys: fc.constantFrom(...PROTOTYPE_KEYS),
  text: fc.constantFrom(...HOSTILE_TEXT),
};

const deepNesting = (depth: number): unknown => (depth === 0 ? 'bottom' : { a: deepNesting(depth - 1) });

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...UNSTORABLE_NUMBERS),
  fc.constantFrom(...HOSTILE_TEXT),
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    [],
    {},
    [[]],
    deepNesting(60),
    Array.from({ length: 2_000 }, (_, index) => index),
  ),
  fc.constantFrom(...PROTOTYPE_KEYS),
);

/** Sets `key` on `target` as an own, enumerable property, even `__proto__`. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every object or array inside `value`, with `value` itself first. */
function containers(value: unknown, found: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (value !== null && typeof value === 'object') {
    found.push(value as Record<string, unknown>);
    for (const inner of Object.values(value)) containers(inner, found);
  }
  return found;
}

type Mutation =
  | { readonly kind: 'replace'; readonly at: number; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'add-key'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'remove'; readonly at: number; readonly pick: number }
  | { readonly kind: 'whole'; readonly value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), pick: fc.nat(), value: hostileValue }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('add-key' as const),
      at: fc.nat(),
      key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom('unknownField', 'a\u0000b', 'x'.repeat(300))),
      value: fc.oneof(hostileValue, fc.constant({ polluted: true }), fc.constant('value')),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('whole' as const), value: hostileValue }) },
);

/** Applies `change` to a JSON copy of `payload`. */
export function mutate(payload: unknown, change: Mutation): unknown {
  if (change.kind === 'whole') return change.value;
  const copy: unknown = JSON.parse(JSON.stringify(payload));
  const all = containers(copy);
  if (all.length === 0) return change.kind === 'add-key' ? { [change.key]: change.value } : copy;
  const target = all[change.at % all.length];
  const keys = Object.keys(target);
  if (change.kind === 'add-key') {
    if (Array.isArray(target)) target.push({ [change.key]: change.value });
    else defineOwn(target, change.key, change.value);
    return copy;
  }
  if (keys.length === 0) {
    if (Array.isArray(target)) target.push(change.kind === 'replace' ? change.value : null);
    return copy;
  }
  const key = keys[change.pick % keys.length];
  if (change.kind === 'remove') {
    if (Array.isArray(target)) target.splice(Number(key), 1);
    else delete (target as Record<string, unknown>)[key];
  } else if (Array.isArray(target)) {
    target[Number(key)] = change.value;
  } else {
    defineOwn(target, key, change.value);
  }
  return copy;
}

/** Requests drawn from `base` (whose leaves may already be hostile), half of them with one more hostile change to their shape. */
export function hostileRequests(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    base,
    fc.tuple(base, mutation).map(([payload, change]) => mutate(payload, change)),
  );
}
