import { shapeNagFindings } from '../support/synth/shape-templates';
import type { StackShape } from '../support/synth/stack-shapes';

describe('cdk-nag AwsSolutions', () => {
  test.each<StackShape>(['default', 'customer-managed-key', 'monitors'])('finds no unacknowledged error or warning (%s)', (shape) => {
    // The synth project's global setup runs the checks on each shape it synthesizes.
    expect(shapeNagFindings(shape)).toEqual([]);
  });
});
