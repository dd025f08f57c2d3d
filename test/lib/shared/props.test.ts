import { Duration, Lazy } from 'aws-cdk-lib';
import { definedOnly, requireWholeDays } from '../../../lib/shared/props';

describe('requireWholeDays', () => {
  test('accepts whole days from 1', () => {
    expect(() => requireWholeDays('retention', Duration.days(1))).not.toThrow();
    expect(() => requireWholeDays('retention', Duration.hours(48))).not.toThrow();
  });

  test('accepts a token: it is known only at deployment', () => {
    expect(() => requireWholeDays('retention', Duration.days(Lazy.number({ produce: () => 3 })))).not.toThrow();
  });

  test.each([
    [Duration.hours(36), '1 day 12 hours'],
    [Duration.hours(12), '12 hours'],
    [Duration.days(0), '0 days'],
  ])('fails on %s', (duration, shown) => {
    expect(() => requireWholeDays('captureRetention', duration)).toThrow(`captureRetention must be a whole number of days, at least 1; got ${shown}`);
  });
});

describe('definedOnly', () => {
  test('drops undefined entries so a spread keeps the defaults, and keeps false, 0 and null', () => {
    const given = definedOnly<Record<string, unknown>>({ a: undefined, b: false, c: 0, d: null });

    expect({ a: 'default', ...given }).toEqual({ a: 'default', b: false, c: 0, d: null });
  });
});
