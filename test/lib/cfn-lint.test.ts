import { lintTemplates } from '../support/synth/cfn-lint';
import { shapeTemplateFile } from '../support/synth/shape-templates';
import { STACK_SHAPES, type StackShape } from '../support/synth/stack-shapes';

describe('cfn-lint', () => {
  test('reports no error or warning on the shared stack shapes (default, customer-managed key, monitors)', async () => {
    const { output, status, error } = await lintTemplates((Object.keys(STACK_SHAPES) as StackShape[]).map(shapeTemplateFile));

    if (error) throw new Error(error);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
