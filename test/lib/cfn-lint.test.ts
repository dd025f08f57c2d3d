import { spawnSync } from 'node:child_process';
import { shapeTemplateFile } from '../support/synth/shape-templates';
import { STACK_SHAPES, type StackShape } from '../support/synth/stack-shapes';

// W3005: CDK adds a DependsOn from each function to its role, which a GetAtt already implies.
const IGNORED_CHECKS = ['W3005'];

describe('cfn-lint', () => {
  test('reports no error or warning on the shared stack shapes (default, customer-managed key, monitors)', () => {
    const templates = (Object.keys(STACK_SHAPES) as StackShape[]).map(shapeTemplateFile);

    // One run for every shape: cfn-lint takes seconds to start.
    const lint = spawnSync('cfn-lint', ['--ignore-checks', ...IGNORED_CHECKS, '--', ...templates], { encoding: 'utf8' });

    if (lint.error) throw new Error(`cfn-lint could not run (${lint.error.message}); install it with: pip install cfn-lint`);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });
});
