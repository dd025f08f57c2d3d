import type { StoredPoint } from '../core/model';

/**
 * A history item's points as one binary attribute: step, value and timestamp of each point as three
 * little-endian doubles. DynamoDB reads and writes one binary value far faster than lists of
 * thousands of numbers (each a value of its own to marshal), and a double holds what a number
 * attribute cannot: NaN and the infinities MLflow's clients log.
 */
const BYTES_PER_POINT = 24;

export function packPoints(points: readonly StoredPoint[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(points.length * BYTES_PER_POINT));
  points.forEach(({ step, value, timestamp }, index) => {
    const at = index * BYTES_PER_POINT;
    view.setFloat64(at, step, true);
    view.setFloat64(at + 8, value, true);
    view.setFloat64(at + 16, timestamp, true);
  });
  return new Uint8Array(view.buffer);
}

/** The points of a history item: packed (`points`), or as the three lists items were written with before. */
export function unpackPoints(item: Record<string, unknown>): StoredPoint[] {
  if (item.points instanceof Uint8Array) {
    const bytes = item.points;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: bytes.byteLength / BYTES_PER_POINT }, (_, index) => {
      const at = index * BYTES_PER_POINT;
      return { step: view.getFloat64(at, true), value: view.getFloat64(at + 8, true), timestamp: view.getFloat64(at + 16, true) };
    });
  }
  const steps = item.steps as number[];
  const values = item.values as number[];
  const timestamps = item.timestamps as number[];
  return steps.map((step, index) => ({ step, value: values[index], timestamp: timestamps[index] }));
}
