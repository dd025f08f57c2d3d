import fc from 'fast-check';
import { packPoints, unpackPoints } from '../../../../lambda/experiments/adapters/packed-points';

describe('packed history points', () => {
  it('gives back every point exactly, NaN and the infinities included', () => {
    const point = fc.record({
      step: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      value: fc.double(),
      timestamp: fc.integer({ min: 0, max: 7_258_118_400_000 }),
    });
    fc.assert(
      fc.property(fc.array(point, { maxLength: 50 }), (points) => {
        expect(unpackPoints({ points: packPoints(points) })).toEqual(points);
      }),
    );
  });

  it('reads a packed value out of a view that does not start its buffer, as the SDK hands binaries out', () => {
    const packed = packPoints([{ step: 3, value: Number.NaN, timestamp: 10 }]);
    const shifted = new Uint8Array(packed.length + 5);
    shifted.set(packed, 5);

    expect(unpackPoints({ points: shifted.subarray(5) })).toEqual([{ step: 3, value: Number.NaN, timestamp: 10 }]);
  });

  it('reads items written before points were packed, as three lists', () => {
    expect(unpackPoints({ steps: [0, 1], values: [0.5, 0.25], timestamps: [7, 8] })).toEqual([
      { step: 0, value: 0.5, timestamp: 7 },
      { step: 1, value: 0.25, timestamp: 8 },
    ]);
  });
});
