import * as z from 'zod/mini';
import { isStorableNumber, LongText, MetricValue, STORED_NUMBER_RANGE, Text, toStorableNumber } from '../../../lambda/shared/schema-fields';

describe('MetricValue: the numbers DynamoDB stores and gives back unchanged', () => {
  it.each([
    0,
    -0,
    0.91,
    -273.15,
    1e-130,
    -1e-130,
    1.0000000000000001e-130,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    1.2345678901234567e-7,
    123456.78901234567,
  ])('accepts %p', (value) => {
    expect(z.safeParse(MetricValue, value).success).toBe(true);
    expect(isStorableNumber(value)).toBe(true);
  });

  it.each([
    ['below 1e-130 (DynamoDB underflows)', 9.999999999999999e-131],
    ['a subnormal', 5e-324],
    ['the smallest normal double', 2.2250738585072014e-308],
    ['a negative below 1e-130', -9.999999999999999e-131],
    ['2^53, the first integer JSON cannot tell from its neighbour', 2 ** 53],
    ['9007199254740993 (arrives as 2^53)', 9007199254740993],
    ['2^63', 2 ** 63],
    ['1e20', 1e20],
    ['below -(2^53 - 1)', -(2 ** 53)],
    ['1e125 (DynamoDB holds it, the document client does not)', 1e125],
    ['1e308', 1e308],
    ['the largest double', Number.MAX_VALUE],
  ])('refuses %s', (_, value) => {
    expect(z.safeParse(MetricValue, value).success).toBe(false);
    expect(isStorableNumber(value)).toBe(false);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses %p', (value) => {
    expect(z.safeParse(MetricValue, value).success).toBe(false);
    expect(isStorableNumber(value)).toBe(false);
  });

  it('says why a tiny number is refused', () => {
    const result = z.safeParse(MetricValue, 5e-324);

    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['must be 0 or at least 1e-130 in magnitude (DynamoDB stores no smaller number)']);
  });

  it('bounds magnitudes by the safe integers and DynamoDB’s smallest', () => {
    expect(STORED_NUMBER_RANGE).toEqual({ max: 9007199254740991, minMagnitude: 1e-130 });
  });
});

describe('toStorableNumber: a computed score as DynamoDB holds it', () => {
  it.each([
    [0.042, 0.042],
    [1e-130, 1e-130],
    [1e-200, 0],
    [-5e-324, 0],
    [1e20, Number.MAX_SAFE_INTEGER],
    [-1e308, -Number.MAX_SAFE_INTEGER],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
  ])('%p is stored as %p', (value, stored) => {
    expect(toStorableNumber(value)).toBe(stored);
  });
});

describe('Text and LongText: no control characters', () => {
  const controls = [
    ['NUL', '\u0000'],
    ['ESC (an OSC or CSI sequence starts with it)', '\u001b]0;title\u0007'],
    ['a carriage return', '\r'],
    ['DEL', '\u007f'],
    ['C1 NEL', '\u0085'],
    ['C1 CSI', '\u009b31m'],
    ['C1 APC, the last C1', '\u009f'],
  ];

  it.each(controls)('Text refuses %s', (_, control) => {
    expect(z.safeParse(Text(100), `a${control}b`).success).toBe(false);
  });

  it.each(controls)('LongText refuses %s', (_, control) => {
    expect(z.safeParse(LongText(100), `a${control}b`).success).toBe(false);
  });

  it('Text refuses line breaks and tabs; LongText, for descriptions and reasons, takes them', () => {
    expect(z.safeParse(Text(100), 'a\nb').success).toBe(false);
    expect(z.safeParse(Text(100), 'a\tb').success).toBe(false);
    expect(z.safeParse(LongText(100), 'first line\n\tindented').success).toBe(true);
  });

  it('both take text of any script, U+00A0 and beyond', () => {
    expect(z.safeParse(Text(100), 'café\u00a0模型 ✓ 🚀').success).toBe(true);
    expect(z.safeParse(LongText(100), 'café\u00a0模型 ✓ 🚀').success).toBe(true);
  });
});
