import fc from 'fast-check';
import { fromAttributeNumber, toAttributeNumber } from '../../../lambda/shared/any-number';
import { isStorableNumber } from '../../../lambda/shared/schema-fields';

describe('numbers of any magnitude as attributes', () => {
  it('keeps a storable number a number and gives back every double exactly', () => {
    fc.assert(
      fc.property(fc.double(), (value) => {
        const stored = toAttributeNumber(value);
        expect(typeof stored === 'number').toBe(isStorableNumber(value));
        expect(fromAttributeNumber(stored)).toBe(value);
      }),
    );
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -5e-324])('stores %p as text', (value) => {
    expect(toAttributeNumber(value)).toBe(String(value));
  });
});
